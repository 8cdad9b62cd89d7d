// Pickers: each mode over fixed seeds and many draws. Seeds are fixed, so the
// distribution checks are deterministic; the tolerances are still several
// standard deviations wide so a change of generator would not break them,
// while a wrong formula (off-by-one, ignored weight) would.
#include "gossip/pickers.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hearsay::gossip {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr Pick kAllModes[] = {Pick::random, Pick::round_robin, Pick::weighted,
                              Pick::p2c,    Pick::rendezvous,  Pick::nearest};

Instance make(std::string member, std::string id = {}) {
  Instance i;
  i.service.name = "svc";
  i.service.id = id.empty() ? member + "-svc" : std::move(id);
  i.member = std::move(member);
  return i;
}

Instance with_weight(std::string member, std::uint32_t weight) {
  Instance i = make(std::move(member));
  i.service.weight = weight;
  return i;
}

Instance with_load(std::string member, std::optional<std::string> load) {
  Instance i = make(std::move(member));
  if (load) i.service.meta["load"] = *load;
  return i;
}

Instance with_rtt(std::string member, std::optional<microseconds> rtt) {
  Instance i = make(std::move(member));
  i.rtt = rtt;
  return i;
}

// How often each index is chosen over `draws` picks from one seeded Rng.
std::vector<std::size_t> histogram(const std::vector<Instance>& c, Pick how, std::size_t draws,
                                   std::uint64_t seed = 42) {
  membership::Rng rng(seed);
  std::vector<std::size_t> counts(c.size());
  for (std::size_t n = 0; n < draws; ++n) {
    const auto i = pick_index(c, how, {}, rng, n);
    EXPECT_TRUE(i.has_value());
    if (!i) break;
    EXPECT_LT(*i, c.size());
    if (*i < c.size()) ++counts[*i];
  }
  return counts;
}

double share(std::size_t count, std::size_t draws) {
  return static_cast<double>(count) / static_cast<double>(draws);
}

std::size_t rendezvous(const std::vector<Instance>& c, std::string_view key,
                       std::uint64_t seed = 1) {
  membership::Rng rng(seed);
  const auto i = pick_index(c, Pick::rendezvous, key, rng, seed);
  EXPECT_TRUE(i.has_value());
  return i.value_or(c.size());
}

TEST(Pickers, EmptyGivesNulloptInEveryMode) {
  membership::Rng rng(1);
  for (const Pick how : kAllModes)
    EXPECT_EQ(pick_index({}, how, "key", rng, 7), std::nullopt) << static_cast<int>(how);
}

TEST(Pickers, SingleCandidateIsAlwaysChosen) {
  const std::vector<Instance> one = {make("a")};
  membership::Rng rng(1);
  for (const Pick how : kAllModes)
    for (std::uint64_t turn = 0; turn < 20; ++turn)
      EXPECT_EQ(pick_index(one, how, "key", rng, turn), 0U) << static_cast<int>(how);
}

TEST(Pickers, RandomIsUniform) {
  const std::vector<Instance> c = {make("a"), make("b"), make("c"), make("d")};
  constexpr std::size_t kDraws = 40000;
  for (const std::uint64_t seed : {1ULL, 2ULL, 3ULL}) {
    const auto counts = histogram(c, Pick::random, kDraws, seed);
    for (const auto n : counts)
      EXPECT_NEAR(share(n, kDraws), 0.25, 0.02) << "seed=" << seed;
  }
}

TEST(Pickers, RoundRobinCycles) {
  const std::vector<Instance> c = {make("a"), make("b"), make("c")};
  membership::Rng rng(1);
  for (std::uint64_t turn = 0; turn < 12; ++turn)
    EXPECT_EQ(pick_index(c, Pick::round_robin, {}, rng, turn), turn % 3);
  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(pick_index(c, Pick::round_robin, {}, rng, big), big % 3);
}

TEST(Pickers, WeightedFollowsWeights) {
  const std::vector<Instance> c = {with_weight("a", 1), with_weight("b", 3)};
  constexpr std::size_t kDraws = 40000;
  const auto counts = histogram(c, Pick::weighted, kDraws);
  EXPECT_NEAR(share(counts[0], kDraws), 0.25, 0.02);
  EXPECT_NEAR(share(counts[1], kDraws), 0.75, 0.02);
}

TEST(Pickers, WeightedNeverPicksZeroWeight) {
  const std::vector<Instance> c = {with_weight("a", 0), with_weight("b", 2), with_weight("c", 0),
                                   with_weight("d", 2)};
  constexpr std::size_t kDraws = 20000;
  const auto counts = histogram(c, Pick::weighted, kDraws);
  EXPECT_EQ(counts[0], 0U);
  EXPECT_EQ(counts[2], 0U);
  EXPECT_NEAR(share(counts[1], kDraws), 0.5, 0.02);
  EXPECT_NEAR(share(counts[3], kDraws), 0.5, 0.02);
}

TEST(Pickers, WeightedAllZeroIsUniform) {
  const std::vector<Instance> c = {with_weight("a", 0), with_weight("b", 0), with_weight("c", 0)};
  constexpr std::size_t kDraws = 30000;
  const auto counts = histogram(c, Pick::weighted, kDraws);
  for (const auto n : counts)
    EXPECT_NEAR(share(n, kDraws), 1.0 / 3.0, 0.02);
}

TEST(Pickers, WeightedHugeWeightsDoNotOverflow) {
  const std::uint32_t max = std::numeric_limits<std::uint32_t>::max();
  const std::vector<Instance> c = {with_weight("a", max), with_weight("b", max),
                                   with_weight("c", 1)};
  constexpr std::size_t kDraws = 20000;
  const auto counts = histogram(c, Pick::weighted, kDraws);
  EXPECT_NEAR(share(counts[0], kDraws), 0.5, 0.02);
  EXPECT_NEAR(share(counts[1], kDraws), 0.5, 0.02);
  EXPECT_LT(counts[2], 5U);
}

TEST(Pickers, P2cNeverPicksTheHighestLoad) {
  // Loads 1..5, the highest in the middle. Two distinct candidates are drawn
  // and the lower wins, so the single highest load can never win; the lowest
  // wins whenever it is drawn: 2 of 5 pairs contain it, 40%.
  const std::vector<Instance> c = {with_load("a", "3"), with_load("b", "1"), with_load("c", "5"),
                                   with_load("d", "2"), with_load("e", "4")};
  constexpr std::size_t kDraws = 30000;
  const auto counts = histogram(c, Pick::p2c, kDraws);
  EXPECT_EQ(counts[2], 0U);
  EXPECT_NEAR(share(counts[1], kDraws), 0.4, 0.02);
  // Load 2 wins against 3, 4 and 5: 3 of the 10 pairs.
  EXPECT_NEAR(share(counts[3], kDraws), 0.3, 0.02);
  // Load 4 wins only against 5: 1 of 10.
  EXPECT_NEAR(share(counts[4], kDraws), 0.1, 0.02);
}

TEST(Pickers, P2cWithTwoCandidatesAlwaysTakesTheLower) {
  const std::vector<Instance> c = {with_load("a", "0.9"), with_load("b", "0.1")};
  const auto counts = histogram(c, Pick::p2c, 1000);
  EXPECT_EQ(counts[0], 0U);
  EXPECT_EQ(counts[1], 1000U);
}

TEST(Pickers, P2cRanksMissingOrInvalidLoadLast) {
  const std::vector<Instance> c = {with_load("a", std::nullopt), with_load("b", "7"),
                                   with_load("c", "busy")};
  const auto counts = histogram(c, Pick::p2c, 3000);
  // "b" is in two of three pairs and wins them; "a" vs "c" is a tie (both
  // +inf) that goes to the first drawn.
  EXPECT_NEAR(share(counts[1], 3000), 2.0 / 3.0, 0.03);
  EXPECT_GT(counts[0], 0U);
  EXPECT_GT(counts[2], 0U);
}

TEST(Pickers, P2cTiesSplitEvenly) {
  const std::vector<Instance> c = {with_load("a", "1"), with_load("b", "1")};
  constexpr std::size_t kDraws = 20000;
  const auto counts = histogram(c, Pick::p2c, kDraws);
  EXPECT_NEAR(share(counts[0], kDraws), 0.5, 0.02);
}

TEST(Pickers, PublishedLoadParsesOnlyWholeNumbers) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(published_load(with_load("a", std::nullopt)), inf);
  EXPECT_EQ(published_load(with_load("a", "0.25")), 0.25);
  EXPECT_EQ(published_load(with_load("a", "-2")), -2.0);
  EXPECT_EQ(published_load(with_load("a", "1e3")), 1000.0);
  EXPECT_EQ(published_load(with_load("a", "7")), 7.0);
  EXPECT_EQ(published_load(with_load("a", "")), inf);
  EXPECT_EQ(published_load(with_load("a", "abc")), inf);
  EXPECT_EQ(published_load(with_load("a", "1.5x")), inf);
  EXPECT_EQ(published_load(with_load("a", " 1")), inf);
  EXPECT_EQ(published_load(with_load("a", "nan")), inf);
}

TEST(Pickers, RendezvousSameKeySameInstance) {
  const std::vector<Instance> c = {make("a"), make("b"), make("c"), make("d"), make("e")};
  for (int k = 0; k < 100; ++k) {
    const std::string key = "user-" + std::to_string(k);
    const auto first = rendezvous(c, key, 1);
    for (std::uint64_t seed = 2; seed < 10; ++seed)
      EXPECT_EQ(rendezvous(c, key, seed), first) << key;
  }
}

TEST(Pickers, RendezvousDoesNotMoveWhenAnotherInstanceLeaves) {
  const std::vector<Instance> c = {make("a"), make("b"), make("c"), make("d"), make("e")};
  for (int k = 0; k < 200; ++k) {
    const std::string key = "session-" + std::to_string(k);
    const Instance& chosen = c[rendezvous(c, key)];
    for (std::size_t gone = 0; gone < c.size(); ++gone) {
      if (c[gone] == chosen) continue;
      std::vector<Instance> rest = c;
      rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(gone));
      EXPECT_EQ(rest[rendezvous(rest, key)], chosen) << key << " without " << c[gone].member;
    }
  }
}

TEST(Pickers, RendezvousMovesOnlyTheKeysOfTheInstanceThatLeft) {
  const std::vector<Instance> c = {make("a"), make("b"), make("c"), make("d")};
  const std::vector<Instance> without_b = {make("a"), make("c"), make("d")};
  std::size_t moved = 0;
  for (int k = 0; k < 1000; ++k) {
    const std::string key = std::to_string(k);
    const Instance& before = c[rendezvous(c, key)];
    const Instance& after = without_b[rendezvous(without_b, key)];
    if (before.member == "b") {
      ++moved;
      EXPECT_NE(after.member, "b");
    } else {
      EXPECT_EQ(after, before) << key;
    }
  }
  EXPECT_NEAR(share(moved, 1000), 0.25, 0.05);
}

TEST(Pickers, RendezvousDoesNotDependOnOrder) {
  const std::vector<Instance> c = {make("a"), make("b"), make("c"), make("d")};
  const std::vector<Instance> reversed(c.rbegin(), c.rend());
  for (int k = 0; k < 100; ++k) {
    const std::string key = "k" + std::to_string(k);
    EXPECT_EQ(c[rendezvous(c, key)], reversed[rendezvous(reversed, key)]) << key;
  }
}

TEST(Pickers, RendezvousSpreadsKeys) {
  const std::vector<Instance> c = {make("a"), make("b"), make("c"), make("d"), make("e")};
  std::vector<std::size_t> counts(c.size());
  constexpr std::size_t kKeys = 5000;
  for (std::size_t k = 0; k < kKeys; ++k)
    ++counts[rendezvous(c, "key-" + std::to_string(k))];
  for (const auto n : counts)
    EXPECT_NEAR(share(n, kKeys), 0.2, 0.03);
}

TEST(Pickers, RendezvousScoresMemberAndIdSeparately) {
  // Same service id on two members: the member still matters.
  const std::vector<Instance> c = {make("a", "svc-1"), make("b", "svc-1")};
  std::set<std::size_t> seen;
  for (int k = 0; k < 100; ++k)
    seen.insert(rendezvous(c, std::to_string(k)));
  EXPECT_EQ(seen.size(), 2U);
}

TEST(Pickers, NearestPicksLowestRttAndUnmeasuredLast) {
  const std::vector<Instance> c = {with_rtt("a", std::nullopt), with_rtt("b", milliseconds(5)),
                                   with_rtt("c", milliseconds(3)), with_rtt("d", std::nullopt),
                                   with_rtt("e", milliseconds(40))};
  const auto counts = histogram(c, Pick::nearest, 1000);
  EXPECT_EQ(counts[2], 1000U);
}

TEST(Pickers, NearestPrefersAnyMeasuredOverUnmeasured) {
  const std::vector<Instance> c = {with_rtt("a", std::nullopt), with_rtt("b", milliseconds(900))};
  const auto counts = histogram(c, Pick::nearest, 1000);
  EXPECT_EQ(counts[1], 1000U);
}

TEST(Pickers, NearestBreaksTiesRandomly) {
  const std::vector<Instance> c = {with_rtt("a", microseconds(2000)),
                                   with_rtt("b", microseconds(5000)),
                                   with_rtt("c", microseconds(2000))};
  constexpr std::size_t kDraws = 20000;
  const auto counts = histogram(c, Pick::nearest, kDraws);
  EXPECT_EQ(counts[1], 0U);
  EXPECT_NEAR(share(counts[0], kDraws), 0.5, 0.02);
  EXPECT_NEAR(share(counts[2], kDraws), 0.5, 0.02);
}

TEST(Pickers, NearestWithNoMeasurementsIsUniform) {
  const std::vector<Instance> c = {with_rtt("a", std::nullopt), with_rtt("b", std::nullopt),
                                   with_rtt("c", std::nullopt)};
  constexpr std::size_t kDraws = 30000;
  const auto counts = histogram(c, Pick::nearest, kDraws);
  for (const auto n : counts)
    EXPECT_NEAR(share(n, kDraws), 1.0 / 3.0, 0.02);
}

TEST(Pickers, SameSeedSameChoices) {
  const std::vector<Instance> c = {with_load("a", "1"), with_load("b", "2"), with_load("c", "3")};
  for (const Pick how : kAllModes)
    EXPECT_EQ(histogram(c, how, 500, 9), histogram(c, how, 500, 9)) << static_cast<int>(how);
}

}  // namespace
}  // namespace hearsay::gossip
