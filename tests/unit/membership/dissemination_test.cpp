// Dissemination: news queued per member, eager forwarding (leading edge,
// coalescing, token bucket), the periodic gossip tick, and rumor-mongering
// feedback.
#include "membership/dissemination.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "part_fixture.hpp"

namespace hearsay::membership {
namespace {

using namespace fixture;

// The LAN profile (gossip every 200 ms to 3 members) with a gossip budget of
// `rate` messages/s, and five members besides us.
struct Gossiping : Parts {
  explicit Gossiping(int rate, int retransmit_mult = 4) : Parts(params(rate, retransmit_mult)) {
    for (const auto* n : {"b", "c", "d", "e", "f"})
      add(n);
  }
  static ProtocolParams params(int rate, int retransmit_mult) {
    auto p = ProtocolParams::lan();
    p.gossip_rate_per_s = rate;
    p.retransmit_mult = retransmit_mult;
    return p;
  }
  // Starts at kT0 and runs the first (empty) gossip round; returns its time.
  TimePoint start_quiet() {
    news.start(kT0);
    const auto first = news.deadline();
    news.tick(first);
    EXPECT_TRUE(sent().empty()) << "no news, no gossip";
    EXPECT_EQ(news.deadline(), first + 200ms);
    return first;
  }
  void enqueue(std::string_view name, TimePoint now) { news.enqueue(now, *ctx.table.find(name)); }
  // After a quiet start, news about b forwarded; returns when.
  TimePoint forwarded_b() {
    const auto t = start_quiet() + 50ms;
    enqueue("b", t);
    news.tick(t);
    sent();
    return t;
  }
};

void expect_gossip_carrying(const std::vector<Sent>& sent, const std::vector<std::string>& names) {
  std::set<std::string> to;
  for (const auto& s : sent) {
    EXPECT_EQ(s.type(), MessageType::gossip);
    auto carried = news_names(s);
    std::sort(carried.begin(), carried.end());
    EXPECT_EQ(carried, names) << "to " << s.to;
    to.insert(s.to);
  }
  EXPECT_EQ(to.size(), sent.size()) << "distinct members";
  EXPECT_EQ(to.count("sim://self"), 0u);
}

TEST(Dissemination, FirstGossipIsAtAJitteredStart) {
  std::set<TimePoint> starts;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    Parts p(ProtocolParams::lan(), seed);
    p.news.start(kT0);
    EXPECT_GE(p.news.deadline(), kT0);
    EXPECT_LT(p.news.deadline(), kT0 + 200ms);
    starts.insert(p.news.deadline());
  }
  EXPECT_GE(starts.size(), 5u);
}

TEST(Dissemination, NewsAfterAQuietSpellIsForwardedAtOnce) {
  Gossiping p(1000);
  const auto t = p.start_quiet() + 50ms;
  p.enqueue("b", t);
  EXPECT_EQ(p.news.pending(), 1u);
  EXPECT_EQ(p.news.deadline(), t) << "leading edge: no wait";
  p.news.tick(t);
  const auto sent = p.sent();
  EXPECT_EQ(sent.size(), 3u) << "gossip_fanout";
  expect_gossip_carrying(sent, {"b"});
}

TEST(Dissemination, NewsWithinTheCoalescingWindowIsBatched) {
  Gossiping p(1000);
  const auto t = p.forwarded_b();
  p.ctx.broadcasts.clear();
  p.enqueue("c", t + 2ms);
  EXPECT_EQ(p.news.deadline(), t + 5ms) << "forward_coalesce after the last forward";
  p.enqueue("d", t + 3ms);
  EXPECT_EQ(p.news.deadline(), t + 5ms);
  p.news.tick(t + 5ms - 1ns);
  EXPECT_TRUE(p.sent().empty());
  p.news.tick(t + 5ms);
  const auto sent = p.sent();
  EXPECT_EQ(sent.size(), 3u) << "one forward for both";
  expect_gossip_carrying(sent, {"c", "d"});
  // After the window: at once again.
  p.ctx.broadcasts.clear();
  p.enqueue("e", t + 20ms);
  EXPECT_EQ(p.news.deadline(), t + 20ms);
}

TEST(Dissemination, ForwardNowSkipsTheCoalescingWindow) {
  Gossiping p(1000);
  const auto t = p.forwarded_b();
  p.enqueue("c", t + 1ms);
  p.news.forward_now(t + 1ms);
  EXPECT_EQ(p.news.deadline(), t + 1ms);
  p.news.tick(t + 1ms);
  EXPECT_EQ(p.sent().size(), 3u);
}

TEST(Dissemination, OneTokenBucketBoundsEagerAndPeriodicGossip) {
  // 3 messages/s: a bucket of 4 * fanout = 12 tokens, full at the start.
  // Eager forwards send min(fanout, whole tokens - fanout): the periodic
  // round keeps a fanout's worth. Refills: 0.018 per 6 ms, 0.6 per round.
  //   eager, every 6 ms:  12 -> 3 -> 9    9 -> 3 -> 6    6 -> 3 -> 3    3 -> 0    3 -> 0
  //   periodic rounds:    3.45 -> 3 -> 0.45    1.05 -> 1 -> 0.05    0.65 -> 0    1.25 -> 1
  Gossiping p(3, 100);  // news never retires here
  const auto first = p.start_quiet();
  p.news.tick(first + 200ms);  // quiet rounds spend nothing
  p.news.tick(first + 400ms);
  ASSERT_TRUE(p.sent().empty());
  std::vector<std::size_t> per_forward;
  const std::vector<std::string> fresh = {"b", "c", "d", "e", "f"};
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    const auto t = first + 450ms + 6ms * static_cast<int>(i);
    p.enqueue(fresh[i], t);
    ASSERT_EQ(p.news.deadline(), t);
    p.news.tick(t);
    per_forward.push_back(p.sent().size());
  }
  EXPECT_EQ(per_forward, (std::vector<std::size_t>{3, 3, 3, 0, 0}));
  EXPECT_EQ(p.news.deadline(), first + 600ms) << "the news waits for the periodic round";
  std::vector<std::size_t> per_round;
  for (int round = 3; round <= 6; ++round) {
    p.news.tick(first + 200ms * round);
    const auto sent = p.sent();
    for (const auto& s : sent)
      EXPECT_EQ(s.type(), MessageType::gossip);
    per_round.push_back(sent.size());
  }
  EXPECT_EQ(per_round, (std::vector<std::size_t>{3, 1, 0, 1}));
}

TEST(Dissemination, GossipTickSendsOnlyWhileNewsIsPending) {
  // Six live: each news item is sent 4 * ceil(log10 7) = 4 times in all:
  // three by the eager forward, the last by the next round.
  Gossiping p(1000);
  const auto first = p.start_quiet();
  p.enqueue("b", first + 10ms);
  p.news.tick(first + 10ms);
  EXPECT_EQ(p.sent().size(), 3u);
  std::vector<std::size_t> per_round;
  for (int round = 1; round <= 3; ++round) {
    p.news.tick(first + 200ms * round);
    per_round.push_back(p.sent().size());
  }
  EXPECT_EQ(per_round, (std::vector<std::size_t>{1, 0, 0}));
  EXPECT_EQ(p.news.pending(), 0u);
}

TEST(Dissemination, GossipReachesTheRecentlyDead) {
  Parts p(Gossiping::params(1000, 4));
  p.add("b");
  p.add("c", MemberState::dead, {1, 0}, kT0);
  p.add("d", MemberState::left, {1, 1}, kT0);
  p.news.start(kT0);
  p.news.enqueue(kT0, *p.ctx.table.find("c"));
  p.news.tick(kT0 + 200ms);
  const auto sent = destinations(p.sent());
  const std::set<std::string> to(sent.begin(), sent.end());
  EXPECT_EQ(to, (std::set<std::string>{"sim://b", "sim://c"})) << "c may still refute";
}

// A gossip tick later than one gossip interval (a pause, a slow host) sends
// one round, not the missed rounds at once: the next is a whole interval on
// (it once was `now`, so the same instant gossiped twice).
TEST(Dissemination, LateTickGossipsOnceNotTwiceAtTheSameInstant) {
  Gossiping p(1000, 100);
  const auto first = p.start_quiet();
  p.enqueue("b", first + 10ms);
  p.news.tick(first + 10ms);  // the eager forward
  EXPECT_EQ(p.sent().size(), 3u);
  const auto late = first + 1s;  // four rounds missed (a pause, a slow host)
  p.news.tick(late);
  EXPECT_EQ(p.sent().size(), 3u);
  EXPECT_GT(p.news.deadline(), late) << "the missed rounds are not caught up at once";
  p.news.tick(late);
  EXPECT_TRUE(p.sent().empty()) << "a second round at the same instant";
}

TEST(Dissemination, NewerNewsAboutAMemberReplacesTheOlder) {
  Gossiping p(1000);
  const auto t = p.start_quiet() + 50ms;
  p.enqueue("b", t);
  p.add("b", MemberState::suspect, {1, 0}, t);
  p.enqueue("b", t);
  EXPECT_EQ(p.news.pending(), 1u);
  p.news.tick(t);
  const auto sent = p.sent();
  ASSERT_FALSE(sent.empty());
  ASSERT_EQ(sent[0].msg.news.size(), 1u);
  EXPECT_EQ(sent[0].msg.news[0].state, MemberState::suspect);
}

TEST(Dissemination, NewsCarriesAServiceSetOnlyIfItFits) {
  Parts p;  // payload budget 1400 bytes, less 256 of headroom
  auto small = member("small");
  small.services = {service("payments", "s1")};
  auto large = member("large");
  auto s = service("payments", "l1");
  s.meta["pad"] = std::string(1200, 'x');
  large.services = {s};
  large.services_version = {1, 7};
  p.news.enqueue(kT0, small);
  p.news.enqueue(kT0, large);
  p.out.send("sim://b", MessageType::gossip, 1, wire::Gossip{}, true);
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].msg.news.size(), 2u);
  for (const auto& r : sent[0].msg.news) {
    if (r.name == "small") {
      EXPECT_EQ(r.services, small.services);
    } else {
      EXPECT_FALSE(r.services.has_value()) << "by version only: receivers pull it";
      EXPECT_EQ(r.services_version, (Incarnation{1, 7}));
    }
  }
}

TEST(Dissemination, HeardAgainRetiresNewsOnlyUnderABacklog) {
  // Only us live: 4 * ceil(log10 2) = 4 sends retire an item.
  Parts p;
  p.news.enqueue(kT0, member("b"));
  for (int i = 0; i < 10; ++i)
    p.news.heard_again("b");
  EXPECT_EQ(p.news.pending(), 1u) << "no backlog: full retransmission reaches stragglers";

  auto params = ProtocolParams::lan();
  params.payload_budget_bytes = 300;
  Parts backlog(params);
  for (int i = 0; i < 20; ++i)
    backlog.news.enqueue(kT0, member("m" + std::to_string(i)));
  ASSERT_GT(backlog.ctx.broadcasts.bytes(), 300u) << "more than one message's worth";
  for (int i = 0; i < 3; ++i)
    backlog.news.heard_again("m0");
  EXPECT_TRUE(backlog.ctx.broadcasts.contains("m0"));
  backlog.news.heard_again("m0");
  EXPECT_FALSE(backlog.ctx.broadcasts.contains("m0")) << "heard back 4 times: retired";
  EXPECT_EQ(backlog.news.pending(), 19u);
}

}  // namespace
}  // namespace hearsay::membership
