#include "membership/suspicion.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

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

double seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

struct TimeoutCase {
  int c;
  int k;
  Duration min;
  Duration max;
  double expected_s;  // worked out by hand, below
};

TEST(Suspicion, TimeoutFollowsTheLogFormula) {
  // max - (max - min) * ln(c + 1) / ln(k + 1), evaluated by hand (the base of
  // the logarithm cancels out) so that a wrong formula cannot agree with it.
  const std::vector<TimeoutCase> cases = {
      // min 2 s, max 12 s, k = 3: span 10 s, ln 4 = 2 ln 2.
      {0, 3, 2s, 12s, 12.0},       // ln 1 = 0: the maximum
      {1, 3, 2s, 12s, 7.0},        // 12 - 10 * ln 2 / ln 4 = 12 - 10 * 0.5
      {2, 3, 2s, 12s, 4.0751875},  // 12 - 10 * ln 3 / ln 4 = 12 - 10 * 0.7924812
      {3, 3, 2s, 12s, 2.0},        // ln 4 / ln 4 = 1: the minimum
      // min 4 s, max 24 s (LAN, 4 members), k = 2: span 20 s.
      {1, 2, 4s, 24s, 11.3814049},  // 24 - 20 * ln 2 / ln 3 = 24 - 20 * 0.6309298
      {2, 2, 4s, 24s, 4.0},
      // min 4 s, max 24 s, k = 4.
      {1, 4, 4s, 24s, 15.3864688},  // 24 - 20 * ln 2 / ln 5 = 24 - 20 * 0.4306766
      {2, 4, 4s, 24s, 10.3478761},  // 24 - 20 * ln 3 / ln 5 = 24 - 20 * 0.6826062
      {3, 4, 4s, 24s, 6.7729377},   // 24 - 20 * ln 4 / ln 5 = 24 - 20 * 0.8613531
  };
  for (const auto& t : cases) {
    EXPECT_NEAR(seconds(Suspicion::timeout(t.c, t.k, t.min, t.max)), t.expected_s, 1e-6)
        << "c=" << t.c << " k=" << t.k << " min=" << seconds(t.min) << "s max=" << seconds(t.max)
        << "s";
  }
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
  // 24 - 20 * ln(c + 1) / ln 5 for c = 1..4 (worked out in TimeoutFollowsTheLogFormula).
  const double expected_s[] = {15.3864688, 10.3478761, 6.7729377, 4.0};
  TimePoint last = s.deadline();
  for (int c = 1; c <= k; ++c) {
    ASSERT_TRUE(s.confirm(accusers[c - 1]));
    EXPECT_LT(s.deadline(), last) << "c=" << c;
    EXPECT_NEAR(seconds(s.deadline() - kStart), expected_s[c - 1], 1e-6) << "c=" << c;
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
  // Confirmations still count from the shifted start: 5 s + (12 - 10 * ln 2 / ln 4) s = 12 s.
  ASSERT_TRUE(s.confirm("b"));
  EXPECT_NEAR(seconds(s.deadline() - kStart), 12.0, 1e-6);
}

}  // namespace
}  // namespace hearsay::membership
