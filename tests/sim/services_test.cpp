// Service records across the cluster: sets too large to piggyback are
// announced by version and pulled; health changes and withdrawals spread;
// registry queries see them; restarts never bring old records back.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "hearsay/errors.hpp"
#include "membership/wire/codec.hpp"
#include "tests/sim/cluster.hpp"

namespace hearsay::sim {
namespace {

ClusterOptions lan(std::size_t nodes, std::uint64_t seed) {
  ClusterOptions o;
  o.nodes = nodes;
  o.seed = seed;
  return o;
}

Service make(std::string name, std::string id, std::size_t meta_bytes = 0) {
  Service s;
  s.name = std::move(name);
  s.id = std::move(id);
  s.endpoint = "http://10.0.0.1:8080";
  s.tags = {"v2", "blue"};
  if (meta_bytes > 0) s.meta["blob"] = std::string(meta_bytes, 'x');
  return s;
}

bool converge(Cluster& c) {
  c.start_all({0});
  return c.run_until([&] { return c.converged(c.size()); }, 20s).has_value();
}

TEST(Services, LargeSetIsAnnouncedByVersionAndPulledByEveryone) {
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(
        replay_hint(seed, ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    Cluster c(lan(60, seed));
    ASSERT_TRUE(converge(c));
    // 20 records of ~1 KiB: far over the 1,400-byte payload budget.
    std::vector<Service> big;
    for (int i = 0; i < 20; ++i)
      big.push_back(make("bulk", "bulk-" + std::to_string(i), 1000));
    ASSERT_GT(membership::wire::encoded_size(big), ProtocolParams::lan().payload_budget_bytes);
    for (auto& s : big)
      c.advertise(7, s);

    const auto all_hold_20 = [&] {
      for (std::size_t i = 0; i < c.size(); ++i)
        if (c.core(i).registry().lookup("bulk").size() != 20) return false;
      return true;
    };
    const auto took = c.run_until(all_hold_20, 5s);
    ASSERT_TRUE(took) << c.count_having_service("bulk") << " of 60 nodes have bulk";
    const auto pulled = c.total_stats().services_pulled;
    EXPECT_GT(pulled, 0u) << "the set should have travelled by pull, not by broadcast";
    std::cout << "[ seed " << seed << " ] 20 KiB service set on all 60 nodes in "
              << std::chrono::duration<double>(*took).count() << "s, " << pulled << " pulls\n";
  }
}

TEST(Services, HealthChangeAndWithdrawSpread) {
  Cluster c(lan(30, 5));
  ASSERT_TRUE(converge(c));
  c.advertise(3, make("pay", "pay-3"));
  c.advertise(4, make("pay", "pay-4"));
  ASSERT_TRUE(c.run_until(
      [&] {
        for (std::size_t i = 0; i < c.size(); ++i)
          if (c.core(i).registry().lookup("pay").size() != 2) return false;
        return true;
      },
      2s));

  ASSERT_TRUE(c.set_health(3, "pay-3", Health::critical));
  const auto healthy_only_4 = [&] {
    for (std::size_t i = 0; i < c.size(); ++i) {
      const auto found = c.core(i).registry().lookup("pay");
      if (found.size() != 1 || found.front().service.id != "pay-4") return false;
    }
    return true;
  };
  ASSERT_TRUE(c.run_until(healthy_only_4, 2s));
  Query any;
  any.worst_health = Health::critical;
  EXPECT_EQ(c.core(20).registry().lookup("pay", any).size(), 2u);
  Query tagged;
  tagged.tag = "blue";
  EXPECT_EQ(c.core(20).registry().lookup("pay", tagged).size(), 1u);
  tagged.tag = "green";
  EXPECT_TRUE(c.core(20).registry().lookup("pay", tagged).empty());

  ASSERT_TRUE(c.withdraw(4, "pay-4"));
  ASSERT_TRUE(c.run_until(
      [&] {
        for (std::size_t i = 0; i < c.size(); ++i)
          if (!c.core(i).registry().lookup("pay").empty()) return false;
        return true;
      },
      2s));
  EXPECT_FALSE(c.withdraw(4, "pay-4"));
}

TEST(Services, InstancesOfDeadMembersLeaveTheRegistry) {
  Cluster c(lan(30, 9));
  ASSERT_TRUE(converge(c));
  c.advertise(11, make("db", "db-11"));
  ASSERT_TRUE(c.run_until([&] { return c.all_have_service("db"); }, 2s));
  c.crash(11);
  ASSERT_TRUE(c.run_until([&] { return c.all_see(11, MemberState::dead); }, 30s));
  EXPECT_EQ(c.count_having_service("db"), 0u);
}

TEST(Services, LimitsAreRefusedWithTheField) {
  Cluster c(lan(2, 1));
  c.start_all({0});
  const auto field_of = [&](Service s) -> std::string {
    try {
      c.advertise(0, std::move(s));
    } catch (const ConfigError& e) {
      return e.field();
    }
    return "";
  };
  EXPECT_EQ(field_of(make("", "x")), "service.name");
  EXPECT_EQ(field_of(make("x", "")), "service.id");
  EXPECT_EQ(field_of(make("x", "x", 10000)), "service");  // over max_service_record_bytes
  // 64 KiB per node: nine records of ~7.5 KiB go over it.
  std::string field;
  for (int i = 0; i < 9 && field.empty(); ++i)
    field = field_of(make("x", std::to_string(i), 7500));
  EXPECT_EQ(field, "services");
  // A refused advertise changes nothing.
  EXPECT_EQ(c.core(0).registry().lookup("x").size(), 8u);
}

}  // namespace
}  // namespace hearsay::sim
