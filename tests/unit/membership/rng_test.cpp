#include "membership/rng.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <vector>

namespace hearsay::membership {
namespace {

std::vector<std::uint64_t> draws(std::uint64_t seed, std::size_t n) {
  Rng rng(seed);
  std::vector<std::uint64_t> out(n);
  for (auto& x : out)
    x = rng.next();
  return out;
}

// Pearson's statistic of observed counts against a uniform expectation.
double chi_square(const std::vector<std::uint64_t>& counts, std::uint64_t total) {
  const double expected = static_cast<double>(total) / static_cast<double>(counts.size());
  double chi = 0;
  for (auto c : counts) {
    const double d = static_cast<double>(c) - expected;
    chi += d * d / expected;
  }
  return chi;
}

// A loose bound on chi-square with `df` degrees of freedom: mean + 6 standard
// deviations + slack. Deterministic (fixed seeds), so it never flakes, yet an
// off-by-one or a modulo bias (one bucket empty or doubled) blows far past it.
double chi_bound(std::size_t df) {
  const auto d = static_cast<double>(df);
  return d + 6.0 * std::sqrt(2.0 * d) + 10.0;
}

TEST(Rng, MatchesReferenceXoshiro256StarStar) {
  // Reference values from an independent implementation of splitmix64 seeding
  // and xoshiro256**: the sequence is the same on every platform.
  EXPECT_EQ(draws(0, 4),
            (std::vector<std::uint64_t>{0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL,
                                        0x1a5f849d4933e6e0ULL, 0x6aa594f1262d2d2cULL}));
  EXPECT_EQ(draws(42, 4),
            (std::vector<std::uint64_t>{0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL,
                                        0xae17533239e499a1ULL, 0xecb8ad4703b360a1ULL}));
}

TEST(Rng, SameSeedSameSequence) {
  for (std::uint64_t seed : {0ULL, 1ULL, 42ULL, 0xdeadbeefULL, ~0ULL}) {
    EXPECT_EQ(draws(seed, 1000), draws(seed, 1000)) << seed;
    // Mixed calls too: uniform, unit and shuffle all draw from one stream.
    Rng a(seed), b(seed);
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(a.uniform(7), b.uniform(7));
      EXPECT_EQ(a.unit(), b.unit());
    }
  }
}

TEST(Rng, DifferentSeedsDiffer) {
  const std::vector<std::uint64_t> seeds = {0, 1, 2, 3, 42, 43, 1000, ~0ULL};
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    for (std::size_t j = i + 1; j < seeds.size(); ++j) {
      const auto a = draws(seeds[i], 64);
      const auto b = draws(seeds[j], 64);
      // Not only different sequences: no position agrees at all.
      std::size_t same = 0;
      for (std::size_t k = 0; k < a.size(); ++k)
        same += a[k] == b[k] ? 1u : 0u;
      EXPECT_EQ(same, 0u) << seeds[i] << " vs " << seeds[j];
    }
  }
}

TEST(Rng, UniformStaysBelowN) {
  Rng rng(7);
  // Small, odd, power-of-two and huge bounds (the huge ones hit the rejection path).
  const std::vector<std::uint64_t> bounds = {
      1, 2, 3, 7, 10, 64, 1000, (1ULL << 63) + 1, ~0ULL, 3ULL << 62,
  };
  for (auto n : bounds) {
    for (int i = 0; i < 10000; ++i)
      ASSERT_LT(rng.uniform(n), n) << "n=" << n;
  }
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(rng.uniform(1), 0u);
}

TEST(Rng, UniformIsRoughlyUniform) {
  for (std::uint64_t n : {2ULL, 3ULL, 7ULL, 10ULL, 100ULL}) {
    Rng rng(12345 + n);
    const std::uint64_t total = n * 2000;
    std::vector<std::uint64_t> counts(n, 0);
    for (std::uint64_t i = 0; i < total; ++i)
      ++counts[rng.uniform(n)];
    for (std::size_t b = 0; b < counts.size(); ++b)
      EXPECT_GT(counts[b], 0u) << "bucket " << b << " of " << n << " never drawn";
    EXPECT_LT(chi_square(counts, total), chi_bound(n - 1)) << "n=" << n;
  }
}

TEST(Rng, UniformOverHugeBoundCoversBothHalves) {
  // With n just above 2^63, a biased reduction would land in the low half far
  // more often; Lemire's method keeps the halves even.
  Rng rng(99);
  const std::uint64_t n = (1ULL << 63) + (1ULL << 62);  // 1.5 * 2^63
  const std::uint64_t third = n / 3;
  std::vector<std::uint64_t> counts(3, 0);
  const std::uint64_t total = 30000;
  for (std::uint64_t i = 0; i < total; ++i)
    ++counts[std::min<std::uint64_t>(rng.uniform(n) / third, 2)];
  EXPECT_LT(chi_square(counts, total), chi_bound(2));
}

TEST(Rng, UnitIsInHalfOpenInterval) {
  Rng rng(5);
  double sum = 0;
  const int total = 100000;
  for (int i = 0; i < total; ++i) {
    const double u = rng.unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / total, 0.5, 0.01);
}

TEST(Rng, ShuffleIsAPermutation) {
  Rng rng(11);
  for (std::size_t n : {0u, 1u, 2u, 5u, 100u}) {
    std::vector<int> v(n);
    std::iota(v.begin(), v.end(), 0);
    auto shuffled = v;
    rng.shuffle(shuffled.begin(), shuffled.end());
    auto sorted = shuffled;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, v) << "n=" << n;
  }
  // A long list is actually reordered (the chance it is not is 1/100!).
  std::vector<int> v(100);
  std::iota(v.begin(), v.end(), 0);
  auto shuffled = v;
  rng.shuffle(shuffled.begin(), shuffled.end());
  EXPECT_NE(shuffled, v);
}

TEST(Rng, ShuffleIsDeterministic) {
  std::vector<int> base(50);
  std::iota(base.begin(), base.end(), 0);
  auto a = base, b = base, c = base;
  Rng ra(3), rb(3), rc(4);
  ra.shuffle(a.begin(), a.end());
  rb.shuffle(b.begin(), b.end());
  rc.shuffle(c.begin(), c.end());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Rng, ShuffleReachesEveryOrderEvenly) {
  // Fisher-Yates done right gives each of the 3! orders the same chance;
  // the classic off-by-one (j drawn from [0, n) every step) does not.
  Rng rng(2024);
  std::map<std::array<int, 3>, std::uint64_t> seen;
  const std::uint64_t total = 60000;
  for (std::uint64_t i = 0; i < total; ++i) {
    std::array<int, 3> v = {0, 1, 2};
    rng.shuffle(v.begin(), v.end());
    ++seen[v];
  }
  ASSERT_EQ(seen.size(), 6u);
  std::vector<std::uint64_t> counts;
  for (const auto& [order, count] : seen)
    counts.push_back(count);
  EXPECT_LT(chi_square(counts, total), chi_bound(5));
}

}  // namespace
}  // namespace hearsay::membership
