// PeerSelection: the probe schedule (shuffled round-robin), the live set and
// the recently dead, and the random samples drawn from them.
#include "membership/peer_selection.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "part_fixture.hpp"

namespace hearsay::membership {
namespace {

using namespace fixture;

std::vector<std::string> names(int n, const std::string& prefix = "m") {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back(prefix + std::to_string(i));
  return out;
}

void add_all(Parts& p, const std::vector<std::string>& members) {
  for (const auto& n : members)
    p.add(n);
}

std::vector<std::string> next_targets(Parts& p, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    auto t = p.peers.next_probe_target();
    if (!t) {
      ADD_FAILURE() << "nobody to probe";
      break;
    }
    out.push_back(*t);
  }
  return out;
}

std::set<std::string> sampled(Parts& p, std::size_t k, bool recent_dead, std::string_view exclude,
                              TimePoint now = kT0) {
  std::set<std::string> out;
  for (const auto* m : p.peers.sample(k, recent_dead, exclude, now))
    out.insert(m->name);
  return out;
}

TEST(PeerSelection, EveryLiveMemberIsProbedOncePerPassInAFreshOrder) {
  Parts p;
  const auto all = names(7);
  add_all(p, all);
  const std::set<std::string> expected(all.begin(), all.end());
  std::set<std::vector<std::string>> orders;
  std::map<std::string, int> last_at;
  int longest_gap = 0;
  for (int pass = 0; pass < 20; ++pass) {
    const auto order = next_targets(p, 7);
    EXPECT_EQ(std::set<std::string>(order.begin(), order.end()), expected) << "pass " << pass;
    orders.insert(order);
    for (std::size_t i = 0; i < order.size(); ++i) {
      const int at = pass * 7 + static_cast<int>(i);
      if (last_at.count(order[i])) longest_gap = std::max(longest_gap, at - last_at[order[i]]);
      last_at[order[i]] = at;
    }
  }
  EXPECT_LE(longest_gap, 2 * 7 - 1) << "probed again within two passes";
  EXPECT_GE(orders.size(), 10u) << "each pass is shuffled anew";
}

TEST(PeerSelection, NewMemberJoinsTheRestOfTheCurrentPass) {
  std::set<std::size_t> positions;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Parts p(ProtocolParams::lan(), seed);
    const auto all = names(6);
    add_all(p, all);
    const auto first = next_targets(p, 3);
    p.add("new");
    const auto rest = next_targets(p, 4);
    std::set<std::string> pass(first.begin(), first.end());
    pass.insert(rest.begin(), rest.end());
    std::set<std::string> expected(all.begin(), all.end());
    expected.insert("new");
    EXPECT_EQ(pass, expected) << "the new member and the three not yet probed finish this pass";
    const auto at = std::find(rest.begin(), rest.end(), "new");
    if (at != rest.end()) positions.insert(static_cast<std::size_t>(at - rest.begin()));
  }
  EXPECT_GE(positions.size(), 3u) << "at a random place in the rest of the pass";
}

TEST(PeerSelection, DeadAndLeftLeaveTheScheduleAndTheLiveSet) {
  Parts p;
  add_all(p, {"a", "b", "c", "d", "e"});
  next_targets(p, 2);  // mid-pass: c and d may still be due in this one
  p.add("b", MemberState::suspect);
  p.add("c", MemberState::dead);
  p.add("d", MemberState::left);
  std::map<std::string, int> probed;
  for (const auto& t : next_targets(p, 9))
    ++probed[t];
  EXPECT_EQ(probed.count("c"), 0u);
  EXPECT_EQ(probed.count("d"), 0u);
  for (const auto* n : {"a", "b", "e"})
    EXPECT_GE(probed[n], 2) << n << ": still probed (a suspect too)";
  EXPECT_EQ(sampled(p, 10, false, ""), (std::set<std::string>{"a", "b", "e"}));
}

TEST(PeerSelection, NobodyToProbe) {
  Parts p;
  EXPECT_EQ(p.peers.next_probe_target(), std::nullopt);
  p.add("a");
  EXPECT_EQ(p.peers.next_probe_target(), "a");
  p.add("a", MemberState::dead);
  EXPECT_EQ(p.peers.next_probe_target(), std::nullopt);
  EXPECT_TRUE(sampled(p, 3, false, "").empty());
}

TEST(PeerSelection, RecentlyDeadAreSampledOnlyWhenAskedAndOnlyForGossipToTheDead) {
  Parts p;  // gossip_to_the_dead = 30 s
  add_all(p, {"a", "b", "c", "d"});
  p.add("c", MemberState::dead, {1, 0}, kT0);
  p.add("d", MemberState::left, {1, 1}, kT0);
  EXPECT_EQ(sampled(p, 10, false, "", kT0 + 1s), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(sampled(p, 10, true, "", kT0 + 1s), (std::set<std::string>{"a", "b", "c"}))
      << "the dead, not those who left";
  EXPECT_EQ(sampled(p, 10, true, "", kT0 + 30s - 1ms), (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(sampled(p, 10, true, "", kT0 + 30s), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(sampled(p, 10, true, "c", kT0 + 1s), (std::set<std::string>{"a", "b"}));
  // Back from the dead: live again, and only once.
  p.add("c", MemberState::alive, {1, 2}, kT0 + 2s);
  EXPECT_EQ(p.peers.sample(10, true, "", kT0 + 3s).size(), 3u);
}

TEST(PeerSelection, ExpiredDeadAreForgotten) {
  Parts p;
  add_all(p, {"a", "c"});
  p.add("c", MemberState::dead, {1, 0}, kT0);
  p.peers.expire_recent_dead(kT0 + 30s - 1ms);
  EXPECT_EQ(sampled(p, 10, true, "", kT0 + 1s), (std::set<std::string>{"a", "c"}));
  p.peers.expire_recent_dead(kT0 + 30s);
  // Asked as if earlier, to see the list itself no longer holds c.
  EXPECT_EQ(sampled(p, 10, true, "", kT0 + 1s), (std::set<std::string>{"a"}));
}

TEST(PeerSelection, SamplesAreDistinctLiveMembersOfTheAskedSizeNeverTheExcluded) {
  Parts p;
  const auto all = names(10);
  add_all(p, all);
  p.add("dead", MemberState::dead);
  std::map<std::string, int> drawn;
  for (int i = 0; i < 3000; ++i) {
    const auto s = p.peers.sample(3, false, "m3", kT0);
    ASSERT_EQ(s.size(), 3u);
    std::set<std::string> distinct;
    for (const auto* m : s) {
      distinct.insert(m->name);
      ++drawn[m->name];
    }
    ASSERT_EQ(distinct.size(), 3u);
  }
  EXPECT_EQ(drawn.count("m3"), 0u);
  EXPECT_EQ(drawn.count("dead"), 0u);
  EXPECT_EQ(drawn.count("self"), 0u);
  ASSERT_EQ(drawn.size(), 9u);
  // Uniform: 3000 * 3 / 9 = 1000 each.
  for (const auto& [name, n] : drawn) {
    EXPECT_GT(n, 850) << name;
    EXPECT_LT(n, 1150) << name;
  }
  EXPECT_EQ(sampled(p, 20, false, "").size(), 10u) << "at most everyone";
  EXPECT_EQ(sampled(p, 10, false, "m3").size(), 9u);
  EXPECT_TRUE(p.peers.sample(0, false, "", kT0).empty());
}

TEST(PeerSelection, LargeClusterSamplesAreDistinctLiveAndCoverEveryone) {
  Parts p;
  const auto all = names(100);
  add_all(p, all);
  for (int i = 90; i < 100; ++i)
    p.add("m" + std::to_string(i), MemberState::dead, {1, 1}, kT0 - 1h);  // long dead
  std::map<std::string, int> drawn;
  for (int i = 0; i < 2000; ++i) {
    const auto s = sampled(p, 3, false, "m0");
    ASSERT_EQ(s.size(), 3u);
    for (const auto& n : s)
      ++drawn[n];
  }
  EXPECT_EQ(drawn.count("m0"), 0u);
  for (int i = 90; i < 100; ++i)
    EXPECT_EQ(drawn.count("m" + std::to_string(i)), 0u);
  EXPECT_EQ(drawn.size(), 89u) << "every other live member is drawn sometimes";
}

TEST(PeerSelection, LargeClusterIncludesTheRecentlyDeadWhenAsked) {
  Parts p;
  add_all(p, names(100));
  p.add("m99", MemberState::dead, {1, 1}, kT0);
  int with_dead = 0;
  for (int i = 0; i < 2000; ++i) {
    const auto s = sampled(p, 3, true, "m0", kT0 + 1s);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s.count("m0"), 0u);
    with_dead += static_cast<int>(s.count("m99"));
  }
  EXPECT_GT(with_dead, 0);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(sampled(p, 3, false, "", kT0 + 1s).count("m99"), 0u);
}

}  // namespace
}  // namespace hearsay::membership
