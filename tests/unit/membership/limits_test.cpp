#include "membership/limits.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <vector>

#include "membership/awareness.hpp"

namespace hearsay::membership {
namespace {

using namespace std::chrono_literals;

struct RetransmitCase {
  std::size_t n;
  int expected;
};

TEST(Limits, RetransmitLimitIsMultTimesCeilLog10) {
  // mult * ceil(log10(n + 1)), with the scale never below 1.
  const std::vector<RetransmitCase> cases = {
      {0, 4},      // log10(1) = 0 -> floor of 1
      {1, 4},      // log10(2) -> 1
      {9, 4},      // log10(10) = 1 exactly
      {10, 8},     // log10(11) -> 2
      {99, 8},     // log10(100) = 2 exactly
      {100, 12},   // log10(101) -> 3
      {999, 12},   // log10(1000) = 3 exactly
      {1000, 16},  // log10(1001) -> 4
      {100000, 24},
  };
  for (const auto& c : cases)
    EXPECT_EQ(retransmit_limit(4, c.n), c.expected) << "n=" << c.n;
}

TEST(Limits, RetransmitLimitScalesWithMult) {
  EXPECT_EQ(retransmit_limit(1, 0), 1);
  EXPECT_EQ(retransmit_limit(1, 50), 2);
  EXPECT_EQ(retransmit_limit(3, 50), 6);
  EXPECT_EQ(retransmit_limit(10, 5000), 40);
}

TEST(Limits, RetransmitLimitNeverDecreasesWithN) {
  int last = retransmit_limit(4, 0);
  for (std::size_t n = 1; n <= 20000; ++n) {
    const int cur = retransmit_limit(4, n);
    ASSERT_GE(cur, last) << "n=" << n;
    last = cur;
  }
}

struct SuspicionCase {
  std::size_t n;
  Duration expected;
};

TEST(Limits, SuspicionMinTimeout) {
  // mult * max(1, log10(max(n, 1))) * interval.
  const std::vector<SuspicionCase> cases = {
      {0, 4s},  {1, 4s},   {2, 4s},     {9, 4s},       // log10 below 1 -> floor of 1
      {10, 4s}, {100, 8s}, {1000, 12s}, {10000, 16s},  // exact powers of ten
  };
  for (const auto& c : cases)
    EXPECT_EQ(suspicion_min_timeout(4, c.n, 1s), c.expected) << "n=" << c.n;
}

TEST(Limits, SuspicionMinTimeoutBetweenPowersOfTen) {
  // n = 50: 4 * log10(50) = 6.7958800...s, truncated to the clock's tick.
  const auto t = suspicion_min_timeout(4, 50, 1s);
  EXPECT_GT(t, 6795ms);
  EXPECT_LT(t, 6796ms);
  // Scales with the interval and the multiplier.
  EXPECT_EQ(suspicion_min_timeout(4, 100, 500ms), 4s);
  EXPECT_EQ(suspicion_min_timeout(6, 100, 5s), 60s);
  EXPECT_EQ(suspicion_min_timeout(1, 1, 1s), 1s);
}

TEST(Awareness, StartsHealthy) {
  const Awareness a(8);
  EXPECT_EQ(a.score(), 0);
  EXPECT_EQ(a.scale(500ms), 500ms);
}

TEST(Awareness, ClampsToZeroAndMaxMinusOne) {
  Awareness a(8);
  a.apply_delta(-1);
  EXPECT_EQ(a.score(), 0);
  a.apply_delta(3);
  EXPECT_EQ(a.score(), 3);
  a.apply_delta(100);
  EXPECT_EQ(a.score(), 7);
  a.apply_delta(1);
  EXPECT_EQ(a.score(), 7);
  a.apply_delta(-2);
  EXPECT_EQ(a.score(), 5);
  a.apply_delta(-100);
  EXPECT_EQ(a.score(), 0);

  Awareness one(1);  // a ceiling of 1 means it never moves
  one.apply_delta(5);
  EXPECT_EQ(one.score(), 0);
}

TEST(Awareness, ScaleMultipliesByScorePlusOne) {
  Awareness a(8);
  for (int score = 0; score < 8; ++score) {
    EXPECT_EQ(a.score(), score);
    EXPECT_EQ(a.scale(1s), std::chrono::seconds(score + 1));
    EXPECT_EQ(a.scale(200ms), std::chrono::milliseconds(200 * (score + 1)));
    a.apply_delta(1);
  }
  EXPECT_EQ(a.scale(1s), 8s);  // stays at max-1 + 1
}

}  // namespace
}  // namespace hearsay::membership
