// Registry: the public snapshot over hand-built RegistryData — filters,
// picks that respect them, empty handles, and concurrent picks.
#include "hearsay/registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gossip/registry_data.hpp"

namespace hearsay {
namespace {

Instance make(std::string member, std::string id, MemberState state, Health health,
              std::vector<std::string> tags = {}) {
  Instance i;
  i.member = std::move(member);
  i.member_state = state;
  i.service.name = "payments";
  i.service.id = std::move(id);
  i.service.endpoint = "tcp://" + i.member + ":80";
  i.service.health = health;
  i.service.tags = std::move(tags);
  return i;
}

// payments: a (alive, passing, v2), b (suspect, warning), c (alive,
// critical, v2), d (alive, passing); orders: one; ghost: no instances.
std::shared_ptr<detail::RegistryData> sample_data() {
  auto data = std::make_shared<detail::RegistryData>();
  data->version = 17;
  data->by_name["payments"] = {
      make("a", "payments-1", MemberState::alive, Health::passing, {"v2"}),
      make("b", "payments-1", MemberState::suspect, Health::warning),
      make("c", "payments-1", MemberState::alive, Health::critical, {"v2"}),
      make("d", "payments-1", MemberState::alive, Health::passing, {"v1"}),
  };
  data->by_name["orders"] = {make("a", "orders-1", MemberState::alive, Health::passing)};
  data->by_name["ghost"] = {};
  return data;
}

Registry sample_registry() {
  return detail::RegistryAccess::make(sample_data(), std::make_shared<detail::PickState>());
}

std::vector<std::string> members(const std::vector<Instance>& list) {
  std::vector<std::string> out;
  for (const auto& i : list)
    out.push_back(i.member);
  return out;
}

using Names = std::vector<std::string>;

// Queries built field by field: GCC's -Wmissing-field-initializers flags
// designated initializers that skip a member.
Query query(std::optional<std::string> tag, Health worst = Health::warning,
            bool include_suspect = true) {
  Query q;
  q.tag = std::move(tag);
  q.worst_health = worst;
  q.include_suspect = include_suspect;
  return q;
}

TEST(Registry, EmptyHandleIsSafe) {
  const Registry r;
  EXPECT_TRUE(r.lookup("payments").empty());
  EXPECT_EQ(r.pick("payments"), std::nullopt);
  EXPECT_EQ(r.pick("payments", Pick::round_robin), std::nullopt);
  EXPECT_TRUE(r.services().empty());
  EXPECT_EQ(r.version(), 0U);

  const auto nulls = detail::RegistryAccess::make(nullptr, nullptr);
  EXPECT_TRUE(nulls.lookup("payments").empty());
  EXPECT_EQ(nulls.pick("payments", Pick::p2c), std::nullopt);
  EXPECT_TRUE(nulls.services().empty());
  EXPECT_EQ(nulls.version(), 0U);
}

TEST(Registry, LookupDefaultsToPassingAndWarningIncludingSuspect) {
  EXPECT_EQ(members(sample_registry().lookup("payments")), (Names{"a", "b", "d"}));
}

TEST(Registry, LookupFilters) {
  const Registry r = sample_registry();
  EXPECT_EQ(members(r.lookup("payments", query(std::nullopt, Health::warning, false))),
            (Names{"a", "d"}));
  EXPECT_EQ(members(r.lookup("payments", query(std::nullopt, Health::passing))), (Names{"a", "d"}));
  EXPECT_EQ(members(r.lookup("payments", query(std::nullopt, Health::critical))),
            (Names{"a", "b", "c", "d"}));
  EXPECT_EQ(members(r.lookup("payments", query("v2"))), (Names{"a"}));
  EXPECT_EQ(members(r.lookup("payments", query("v2", Health::critical))), (Names{"a", "c"}));
  EXPECT_TRUE(r.lookup("payments", query("v9")).empty());
  EXPECT_TRUE(r.lookup("nothing").empty());
  EXPECT_TRUE(r.lookup("ghost").empty());
}

TEST(Registry, LookupReturnsWholeInstances) {
  const auto all = sample_registry().lookup("payments");
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0], make("a", "payments-1", MemberState::alive, Health::passing, {"v2"}));
}

TEST(Registry, LookupNeverReturnsDeadOrLeftMembers) {
  auto data = std::make_shared<detail::RegistryData>();
  data->by_name["s"] = {make("a", "s", MemberState::dead, Health::passing),
                        make("b", "s", MemberState::left, Health::passing),
                        make("c", "s", MemberState::alive, Health::passing)};
  const auto r = detail::RegistryAccess::make(data, std::make_shared<detail::PickState>());
  EXPECT_EQ(members(r.lookup("s", query(std::nullopt, Health::critical))), (Names{"c"}));
  for (int n = 0; n < 50; ++n)
    EXPECT_EQ(r.pick("s", Pick::random)->member, "c");
}

TEST(Registry, LookupOrdersByMemberThenId) {
  auto data = std::make_shared<detail::RegistryData>();
  data->by_name["s"] = {make("b", "s-2", MemberState::alive, Health::passing),
                        make("a", "s-9", MemberState::alive, Health::passing),
                        make("b", "s-1", MemberState::alive, Health::passing)};
  const auto list = detail::RegistryAccess::make(data, nullptr).lookup("s");
  ASSERT_EQ(list.size(), 3U);
  EXPECT_EQ(list[0].member, "a");
  EXPECT_EQ(list[1].service.id, "s-1");
  EXPECT_EQ(list[2].service.id, "s-2");
}

TEST(Registry, PickRespectsFilters) {
  const Registry r = sample_registry();
  for (const Pick how : {Pick::random, Pick::round_robin, Pick::weighted, Pick::p2c,
                         Pick::rendezvous, Pick::nearest}) {
    std::map<std::string, int> seen;
    for (int n = 0; n < 300; ++n) {
      const auto i = r.pick("payments", how, "key-" + std::to_string(n));
      ASSERT_TRUE(i.has_value());
      ++seen[i->member];
    }
    EXPECT_EQ(seen.count("c"), 0U) << "critical picked, mode " << static_cast<int>(how);
    EXPECT_EQ(seen.size(), 3U) << "mode " << static_cast<int>(how);

    const auto v2 = r.pick("payments", how, "key", query("v2"));
    ASSERT_TRUE(v2.has_value());
    EXPECT_EQ(v2->member, "a");
    const auto healthy =
        r.pick("payments", how, "key", query(std::nullopt, Health::warning, false));
    ASSERT_TRUE(healthy.has_value());
    EXPECT_NE(healthy->member, "b");
    EXPECT_EQ(r.pick("payments", how, "key", query("v9")), std::nullopt);
    EXPECT_EQ(r.pick("ghost", how), std::nullopt);
    EXPECT_EQ(r.pick("nothing", how), std::nullopt);
  }
}

TEST(Registry, RoundRobinCyclesOverMatchesAndIsSharedByHandles) {
  const auto data = sample_data();
  const auto state = std::make_shared<detail::PickState>();
  const auto r1 = detail::RegistryAccess::make(data, state);
  const auto r2 =
      detail::RegistryAccess::make(data, state);  // e.g. a newer snapshot of the same node
  Names got;
  for (int n = 0; n < 3; ++n) {
    got.push_back(r1.pick("payments", Pick::round_robin)->member);
    got.push_back(r2.pick("payments", Pick::round_robin)->member);
  }
  EXPECT_EQ(got, (Names{"a", "b", "d", "a", "b", "d"}));
}

TEST(Registry, RandomPicksDifferAcrossCalls) {
  const Registry r = sample_registry();
  std::map<std::string, int> seen;
  for (int n = 0; n < 3000; ++n)
    ++seen[r.pick("payments")->member];
  ASSERT_EQ(seen.size(), 3U);
  for (const auto& [member, count] : seen)
    EXPECT_NEAR(count, 1000, 150) << member;
}

TEST(Registry, RendezvousIsStableAcrossSnapshots) {
  const auto state = std::make_shared<detail::PickState>();
  const auto before = detail::RegistryAccess::make(sample_data(), state);
  for (int k = 0; k < 50; ++k) {
    const std::string key = "user-" + std::to_string(k);
    const auto chosen = before.pick("payments", Pick::rendezvous, key);
    ASSERT_TRUE(chosen.has_value());
    EXPECT_EQ(before.pick("payments", Pick::rendezvous, key), chosen);
    auto without = sample_data();
    auto& l = without->by_name["payments"];
    // Drop one matching instance other than the chosen one.
    const auto other = std::find_if(l.begin(), l.end(), [&](const Instance& i) {
      return i.member != chosen->member && i.service.health != Health::critical;
    });
    ASSERT_NE(other, l.end());
    l.erase(other);
    EXPECT_EQ(detail::RegistryAccess::make(without, state).pick("payments", Pick::rendezvous, key),
              chosen);
  }
}

TEST(Registry, PickWorksWithoutPickerState) {
  const auto r = detail::RegistryAccess::make(sample_data(), nullptr);
  for (const Pick how : {Pick::random, Pick::round_robin, Pick::p2c, Pick::nearest}) {
    const auto i = r.pick("payments", how);
    ASSERT_TRUE(i.has_value());
    EXPECT_NE(i->member, "c");
  }
}

TEST(Registry, ServicesAndVersion) {
  const Registry r = sample_registry();
  EXPECT_EQ(r.services(), (Names{"orders", "payments"}));
  EXPECT_EQ(r.version(), 17U);
}

TEST(Registry, ConcurrentPicksAreAlwaysValid) {
  const Registry r = sample_registry();
  constexpr int kThreads = 8;
  constexpr int kRoundRobinPerThread = 3000;
  constexpr int kOtherPerThread = 3000;
  constexpr Pick kOther[] = {Pick::random, Pick::weighted, Pick::p2c, Pick::rendezvous,
                             Pick::nearest};
  std::atomic<int> invalid{0};
  std::atomic<int> rr_a{0}, rr_b{0}, rr_d{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const Registry mine = r;  // copies share the snapshot and picker state
      for (int n = 0; n < kRoundRobinPerThread + kOtherPerThread; ++n) {
        const bool rr = n % 2 == 0;
        const Pick how = rr ? Pick::round_robin : kOther[static_cast<std::size_t>(n + t) % 5];
        const auto i = (n % 3 == 0 ? r : mine).pick("payments", how, std::to_string(n));
        if (!i || (i->member != "a" && i->member != "b" && i->member != "d") ||
            i->service.health == Health::critical) {
          ++invalid;
          continue;
        }
        if (rr) (i->member == "a" ? rr_a : i->member == "b" ? rr_b : rr_d)++;
        if (n % 64 == 0 && mine.lookup("payments").size() != 3) ++invalid;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(invalid.load(), 0);
  // Every round-robin turn was taken exactly once, so the cycle stays fair.
  constexpr int kEach = kThreads * kRoundRobinPerThread / 3;
  EXPECT_EQ(rr_a.load(), kEach);
  EXPECT_EQ(rr_b.load(), kEach);
  EXPECT_EQ(rr_d.load(), kEach);
}

}  // namespace
}  // namespace hearsay
