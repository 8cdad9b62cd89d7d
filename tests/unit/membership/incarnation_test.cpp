#include "membership/incarnation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <compare>
#include <cstdint>
#include <ostream>
#include <vector>

namespace hearsay::membership {

// Readable incarnations in failure messages.
static void PrintTo(const Incarnation& i, std::ostream* os) {
  *os << "{" << i.generation << "," << i.counter << "}";
}

namespace {

TEST(Incarnation, DefaultIsZeroZero) {
  const Incarnation i;
  EXPECT_EQ(i.generation, 0u);
  EXPECT_EQ(i.counter, 0u);
  EXPECT_EQ(i, (Incarnation{0, 0}));
}

struct OrderCase {
  Incarnation lower;
  Incarnation higher;
  const char* why;
};

TEST(Incarnation, OrdersByGenerationThenCounter) {
  const std::vector<OrderCase> cases = {
      {{5, 0}, {5, 1}, "same generation: counter decides"},
      {{5, 7}, {5, 8}, "same generation: counter decides"},
      {{5, 99}, {6, 0}, "later generation wins over any counter"},
      {{0, ~0ULL}, {1, 0}, "generation first even at the counter's maximum"},
      {{1700000000000, 3}, {1700000000001, 0}, "restart with a later clock outranks"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.why);
    EXPECT_LT(c.lower, c.higher);
    EXPECT_GT(c.higher, c.lower);
    EXPECT_LE(c.lower, c.higher);
    EXPECT_NE(c.lower, c.higher);
    EXPECT_FALSE(c.higher < c.lower);
    EXPECT_EQ(c.lower <=> c.higher, std::strong_ordering::less);
  }
}

TEST(Incarnation, EqualOnlyWhenBothPartsEqual) {
  EXPECT_EQ((Incarnation{3, 4}), (Incarnation{3, 4}));
  EXPECT_EQ((Incarnation{3, 4}) <=> (Incarnation{3, 4}), std::strong_ordering::equal);
  EXPECT_NE((Incarnation{3, 4}), (Incarnation{3, 5}));
  EXPECT_NE((Incarnation{3, 4}), (Incarnation{4, 4}));
}

struct RefuteCase {
  const char* why;
  Incarnation mine;
  Incarnation heard;
  Incarnation expected;
};

TEST(Incarnation, Refuting) {
  const std::vector<RefuteCase> cases = {
      {"heard an older generation: our own counter + 1", {10, 3}, {9, 50}, {10, 4}},
      {"same generation, heard lower counter: ours + 1", {10, 3}, {10, 1}, {10, 4}},
      {"same generation, heard our counter: ours + 1", {10, 3}, {10, 3}, {10, 4}},
      {"same generation, heard higher counter: heard + 1", {10, 3}, {10, 8}, {10, 9}},
      {"heard a newer generation: adopt it, its counter + 1", {10, 3}, {11, 0}, {11, 1}},
      {"heard a newer generation with a high counter", {10, 30}, {12, 7}, {12, 8}},
      {"fresh node heard at zero", {0, 0}, {0, 0}, {0, 1}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.why);
    const auto r = c.mine.refuting(c.heard);
    EXPECT_EQ(r, c.expected);
    // Whatever the case, the refutation outranks both the claim and our old self.
    EXPECT_GT(r, c.heard);
    EXPECT_GT(r, c.mine);
  }
}

TEST(Incarnation, RefutingIsTheSmallestWinner) {
  // Within our generation the refutation is exactly one step above the larger
  // counter: anything smaller would not beat the claim.
  const Incarnation mine{7, 2};
  for (std::uint64_t heard_counter = 0; heard_counter < 10; ++heard_counter) {
    const Incarnation heard{7, heard_counter};
    const auto r = mine.refuting(heard);
    EXPECT_EQ(r.generation, 7u);
    EXPECT_EQ(r.counter, std::max<std::uint64_t>(heard_counter, 2) + 1) << heard_counter;
  }
}

}  // namespace
}  // namespace hearsay::membership
