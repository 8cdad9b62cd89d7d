#include "membership/suspicion.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>

namespace hearsay::membership {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart = TimePoint{} + 1h;
const Incarnation kInc{100, 3};

TEST(Suspicion, TimeoutStartsAtMaxAndEndsAtMin) {
  for (int k : {1, 2, 3, 5, 10}) {
    EXPECT_EQ(Suspicion::timeout(0, k, 2s, 12s), 12s) << "k=" << k;
    EXPECT_EQ(Suspicion::timeout(k, k, 2s, 12s), 2s) << "k=" << k;
  }
}

TEST(Suspicion, TimeoutFollowsTheLogFormula) {
  // max - (max - min) * log(c + 1) / log(k + 1), for c = 0..k.
  const int k = 3;
  const Duration min = 2s, max = 12s;
  for (int c = 0; c <= k; ++c) {
    const double frac = std::log(c + 1.0) / std::log(k + 1.0);
    const double expected_s = 12.0 - 10.0 * frac;
    const double got_s = std::chrono::duration<double>(Suspicion::timeout(c, k, min, max)).count();
    EXPECT_NEAR(got_s, expected_s, 1e-6) << "c=" << c;
  }
  // c = 1 of k = 3: log 2 / log 4 = 1/2, half way.
  EXPECT_NEAR(std::chrono::duration<double>(Suspicion::timeout(1, 3, min, max)).count(), 7.0, 1e-6);
}

TEST(Suspicion, TimeoutIsMonotoneNonIncreasing) {
  for (int k : {1, 2, 4, 8}) {
    Duration last = Duration::max();
    for (int c = 0; c <= k + 3; ++c) {
      const auto t = Suspicion::timeout(c, k, 4s, 24s);
      EXPECT_LE(t, last) << "k=" << k << " c=" << c;
      EXPECT_GE(t, 4s) << "never below min, even past k: k=" << k << " c=" << c;
      EXPECT_LE(t, 24s);
      last = t;
    }
  }
  // Strictly decreasing while confirmations are still expected.
  EXPECT_LT(Suspicion::timeout(1, 4, 4s, 24s), Suspicion::timeout(0, 4, 4s, 24s));
  EXPECT_LT(Suspicion::timeout(2, 4, 4s, 24s), Suspicion::timeout(1, 4, 4s, 24s));
}

TEST(Suspicion, NoExpectedConfirmationsMeansMin) {
  for (int c : {0, 1, 5})
    EXPECT_EQ(Suspicion::timeout(c, 0, 4s, 24s), 4s) << "c=" << c;
  const Suspicion s(kInc, "a", 0, 4s, 24s, kStart);
  EXPECT_EQ(s.deadline(), kStart + 4s);
}

TEST(Suspicion, StartsWithNoConfirmationsAtMax) {
  const Suspicion s(kInc, "accuser", 3, 2s, 12s, kStart);
  EXPECT_EQ(s.confirmations(), 0);
  EXPECT_EQ(s.incarnation(), kInc);
  EXPECT_EQ(s.deadline(), kStart + 12s);
}

TEST(Suspicion, MaxBelowMinIsRaisedToMin) {
  const Suspicion s(kInc, "a", 3, 5s, 1s, kStart);
  EXPECT_EQ(s.deadline(), kStart + 5s);
}

TEST(Suspicion, ConfirmCountsDistinctAccusersOnce) {
  Suspicion s(kInc, "a", 3, 2s, 12s, kStart);
  EXPECT_FALSE(s.confirm("a")) << "the first accuser is already counted";
  EXPECT_EQ(s.confirmations(), 0);
  EXPECT_TRUE(s.confirm("b"));
  EXPECT_EQ(s.confirmations(), 1);
  EXPECT_FALSE(s.confirm("b")) << "same accuser twice";
  EXPECT_EQ(s.confirmations(), 1);
  EXPECT_TRUE(s.confirm("c"));
  EXPECT_TRUE(s.confirm("d"));
  EXPECT_EQ(s.confirmations(), 3);
}

TEST(Suspicion, ConfirmStopsAtK) {
  Suspicion s(kInc, "a", 2, 2s, 12s, kStart);
  EXPECT_TRUE(s.confirm("b"));
  EXPECT_TRUE(s.confirm("c"));
  EXPECT_FALSE(s.confirm("d")) << "k confirmations already seen";
  EXPECT_EQ(s.confirmations(), 2);
  EXPECT_EQ(s.deadline(), kStart + 2s);

  Suspicion none(kInc, "a", 0, 2s, 12s, kStart);
  EXPECT_FALSE(none.confirm("b"));
  EXPECT_EQ(none.confirmations(), 0);
}

TEST(Suspicion, DeadlineMovesEarlierWithConfirmations) {
  const int k = 4;
  Suspicion s(kInc, "a", k, 4s, 24s, kStart);
  const char* accusers[] = {"b", "c", "d", "e"};
  TimePoint last = s.deadline();
  for (int c = 1; c <= k; ++c) {
    ASSERT_TRUE(s.confirm(accusers[c - 1]));
    EXPECT_LT(s.deadline(), last) << "c=" << c;
    EXPECT_EQ(s.deadline(), kStart + Suspicion::timeout(c, k, 4s, 24s));
    last = s.deadline();
  }
  EXPECT_EQ(s.deadline(), kStart + 4s);
  // A repeated accuser does not move it.
  EXPECT_FALSE(s.confirm("b"));
  EXPECT_EQ(s.deadline(), last);
}

TEST(Suspicion, PostponeShiftsTheDeadline) {
  Suspicion s(kInc, "a", 3, 2s, 12s, kStart);
  const auto before = s.deadline();
  s.postpone(5s);
  EXPECT_EQ(s.deadline(), before + 5s);
  // Confirmations still count from the shifted start.
  ASSERT_TRUE(s.confirm("b"));
  EXPECT_EQ(s.deadline(), kStart + 5s + Suspicion::timeout(1, 3, 2s, 12s));
}

}  // namespace
}  // namespace hearsay::membership
