// Network: latency bounds, loss rate, and the block / partition / heal rules.
#include "tests/sim/network.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

namespace hearsay::sim {
namespace {

using namespace std::chrono_literals;
using membership::Duration;

constexpr int kDraws = 10'000;

LinkModel link(Duration latency, Duration jitter, double loss) {
  LinkModel m;
  m.latency = latency;
  m.jitter = jitter;
  m.loss = loss;
  return m;
}

TEST(Network, LatencyStaysWithinJitterBounds) {
  Network net(link(1ms, 500us, 0.0), 42);
  Duration lowest = Duration::max();
  Duration highest = Duration::min();
  for (int i = 0; i < kDraws; ++i) {
    const auto d = net.transit(0, 1);
    ASSERT_TRUE(d.has_value());
    EXPECT_GE(*d, 500us);
    EXPECT_LE(*d, 1500us);
    lowest = std::min(lowest, *d);
    highest = std::max(highest, *d);
  }
  // The draws spread over the whole window, not a corner of it.
  EXPECT_LT(lowest, 550us);
  EXPECT_GT(highest, 1450us);
}

TEST(Network, NoJitterMeansExactLatency) {
  Network net(link(3ms, 0ms, 0.0), 1);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(net.transit(2, 3), Duration(3ms));
}

TEST(Network, JitterLargerThanLatencyNeverGoesNegative) {
  Network net(link(100us, 1ms, 0.0), 7);
  for (int i = 0; i < kDraws; ++i) {
    const auto d = net.transit(0, 1);
    ASSERT_TRUE(d.has_value());
    EXPECT_GE(*d, Duration::zero());
  }
}

int count_lost(Network& net, std::size_t from, std::size_t to) {
  int lost = 0;
  for (int i = 0; i < kDraws; ++i) {
    if (!net.transit(from, to)) ++lost;
  }
  return lost;
}

TEST(Network, LossRateIsHonoured) {
  Network net(link(1ms, 500us, 0.1), 42);
  const int lost = count_lost(net, 0, 1);
  EXPECT_NEAR(lost, 1000, 100);  // 10% of 10k, within 3 standard deviations
  EXPECT_EQ(lost, 1034);         // and exactly this many: the draws are seeded
  // Deterministic: the same seed loses exactly the same messages.
  Network again(link(1ms, 500us, 0.1), 42);
  EXPECT_EQ(count_lost(again, 0, 1), lost);
}

TEST(Network, NoLossAndFullLoss) {
  Network clean(link(1ms, 0ms, 0.0), 3);
  EXPECT_EQ(count_lost(clean, 0, 1), 0);
  Network dead(link(1ms, 0ms, 1.0), 3);
  EXPECT_EQ(count_lost(dead, 0, 1), kDraws);
}

TEST(Network, SameSeedSameDelays) {
  Network a(link(1ms, 500us, 0.05), 9);
  Network b(link(1ms, 500us, 0.05), 9);
  Network c(link(1ms, 500us, 0.05), 10);
  bool differs_from_other_seed = false;
  for (int i = 0; i < 1000; ++i) {
    const auto da = a.transit(0, 1);
    EXPECT_EQ(da, b.transit(0, 1));
    if (da != c.transit(0, 1)) differs_from_other_seed = true;
  }
  EXPECT_TRUE(differs_from_other_seed);
}

TEST(Network, PerLinkModelOverridesDefault) {
  Network net(link(1ms, 0ms, 0.0), 5);
  net.set_link(0, 1, link(20ms, 0ms, 0.0));
  EXPECT_EQ(net.transit(0, 1), Duration(20ms));
  EXPECT_EQ(net.transit(1, 0), Duration(1ms));  // links are directed
  net.set_link(2, 3, link(1ms, 0ms, 1.0));
  EXPECT_FALSE(net.transit(2, 3).has_value());
  EXPECT_TRUE(net.transit(3, 2).has_value());
}

TEST(Network, SetDefaultChangesEveryUnconfiguredLink) {
  Network net(link(1ms, 0ms, 0.0), 5);
  net.set_default(link(4ms, 0ms, 0.0));
  EXPECT_EQ(net.default_model().latency, Duration(4ms));
  EXPECT_EQ(net.transit(7, 8), Duration(4ms));
}

TEST(Network, BlockIsOneWay) {
  Network net(link(1ms, 0ms, 0.0), 5);
  net.block(0, 1);
  EXPECT_TRUE(net.blocked(0, 1));
  EXPECT_FALSE(net.blocked(1, 0));
  EXPECT_FALSE(net.transit(0, 1).has_value());
  EXPECT_TRUE(net.transit(1, 0).has_value());
}

TEST(Network, BlockBothCutsEachDirection) {
  Network net(link(1ms, 0ms, 0.0), 5);
  net.block_both(2, 5);
  EXPECT_FALSE(net.transit(2, 5).has_value());
  EXPECT_FALSE(net.transit(5, 2).has_value());
  EXPECT_TRUE(net.transit(2, 3).has_value());
}

TEST(Network, PartitionCutsAcrossButNotWithinSides) {
  Network net(link(1ms, 0ms, 0.0), 5);
  const std::vector<std::size_t> a = {0, 1, 2};
  const std::vector<std::size_t> b = {3, 4};
  net.partition(a, b);
  for (const auto x : a) {
    for (const auto y : b) {
      EXPECT_TRUE(net.blocked(x, y)) << x << "->" << y;
      EXPECT_TRUE(net.blocked(y, x)) << y << "->" << x;
    }
  }
  EXPECT_FALSE(net.blocked(0, 1));
  EXPECT_FALSE(net.blocked(2, 0));
  EXPECT_FALSE(net.blocked(3, 4));
  net.heal();
  EXPECT_FALSE(net.blocked(0, 3));
  EXPECT_FALSE(net.blocked(4, 2));
  EXPECT_TRUE(net.transit(0, 3).has_value());
}

TEST(Network, IsolateAndHealNode) {
  Network net(link(1ms, 0ms, 0.0), 5);
  net.block(5, 6);  // an unrelated block survives heal_node
  net.isolate(2, 8);
  for (std::size_t other = 0; other < 8; ++other) {
    if (other == 2) continue;
    EXPECT_TRUE(net.blocked(2, other));
    EXPECT_TRUE(net.blocked(other, 2));
  }
  EXPECT_FALSE(net.blocked(0, 1));
  net.heal_node(2);
  for (std::size_t other = 0; other < 8; ++other) {
    EXPECT_FALSE(net.blocked(2, other));
    EXPECT_FALSE(net.blocked(other, 2));
  }
  EXPECT_TRUE(net.blocked(5, 6));
  net.heal();
  EXPECT_FALSE(net.blocked(5, 6));
}

TEST(Network, BlockedLinkDrawsNothing) {
  // A block must not shift the random stream of other links: two networks,
  // one with a block, give the same delays on the open link.
  Network plain(link(1ms, 500us, 0.1), 11);
  Network with_block(link(1ms, 500us, 0.1), 11);
  with_block.block(0, 1);
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(with_block.transit(0, 1).has_value());
    EXPECT_EQ(plain.transit(2, 3), with_block.transit(2, 3));
  }
}

}  // namespace
}  // namespace hearsay::sim
