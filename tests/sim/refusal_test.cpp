// Refusals: a crashed process on a live host refuses connections (the
// simulator answers every message to a crashed node with a refusal to its
// sender, one transit later), and is declared dead after a confirmation
// window of one probe interval; a host that goes silent (paused: nothing is
// refused) keeps Lifeguard's timing. 16 nodes, LAN profile.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "hearsay/events.hpp"
#include "tests/sim/cluster.hpp"

namespace hearsay::sim {
namespace {

constexpr std::size_t kNodes = 16;
constexpr std::size_t kVictim = 7;

double seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

void converge(Cluster& c) {
  c.start_all({0});
  ASSERT_TRUE(c.run_until([&] { return c.converged(kNodes); }, 30s));
  c.run_for(5s);
}

std::uint64_t total(Cluster& c, std::uint64_t membership::CoreStats::*counter) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < kNodes; ++i)
    if (i != kVictim) n += c.core(i).stats().*counter;
  return n;
}

// The simulator does not model the connections that a real crash resets
// (each a failure hint, in processes), so the first refusal waits for the
// first message anyone sends the crashed node, a probe within about a second
// at 16 nodes. From there, the verdict takes one round trip to a helper and
// the one-probe-interval window.
TEST(Refusal, CrashedProcessIsDeadEverywhereWithinASecondAndAHalfOfTheFirstRefusal) {
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(replay_hint(
        seed, "Refusal.CrashedProcessIsDeadEverywhereWithinASecondAndAHalfOfTheFirstRefusal"));
    ClusterOptions o;
    o.nodes = kNodes;
    o.seed = seed;
    Cluster c(o);
    ASSERT_NO_FATAL_FAILURE(converge(c));
    c.crash(kVictim);
    const auto first =
        c.run_until([&] { return total(c, &membership::CoreStats::refusals) > 0; }, 30s);
    ASSERT_TRUE(first) << "nobody contacted the crashed node for 30 s";
    const auto took = c.run_until([&] { return c.all_see(kVictim, MemberState::dead); }, 30s);
    ASSERT_TRUE(took) << "not everyone holds the crashed node dead after 30 s";
    std::cout << "[ seed " << seed << " ] first refusal " << seconds(*first)
              << " s after the crash, dead everywhere " << seconds(*took) << " s later\n";
    EXPECT_LE(*took, 1500ms);
    EXPECT_GE(total(c, &membership::CoreStats::refusal_suspicions), 1u);
  }
}

TEST(Refusal, SilentHostKeepsLifeguardTiming) {
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(replay_hint(seed, "Refusal.SilentHostKeepsLifeguardTiming"));
    ClusterOptions o;
    o.nodes = kNodes;
    o.seed = seed;
    Cluster c(o);
    ASSERT_NO_FATAL_FAILURE(converge(c));
    c.pause(kVictim);  // stopped, its kernel still holding the sockets: nothing refused
    // Lifeguard's floor at 16 nodes: 4 * log10(16) * 1 s = 4.8 s after the
    // first suspicion, which itself needs a failed period and two rechecks.
    c.run_for(4800ms);
    EXPECT_EQ(c.count_seeing(kVictim, MemberState::dead), 0u);
    const auto took = c.run_until([&] { return c.all_see(kVictim, MemberState::dead); }, 60s);
    ASSERT_TRUE(took) << "a silent host must still be declared dead";
    EXPECT_EQ(total(c, &membership::CoreStats::refusal_suspicions), 0u);
  }
}

}  // namespace
}  // namespace hearsay::sim
