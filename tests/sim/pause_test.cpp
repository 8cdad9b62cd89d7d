// Pause detection: a node whose timers did not run for longer than
// max(10 x gossip_interval, 2 s) (2 s with the LAN profile) was stopped
// (SIGSTOP, a VM pause, a debugger), and nothing it failed to hear meanwhile
// is evidence against others: on resume it drops the probe in flight,
// postpones its suspicions by the gap, and counts the pause.
//
// Every message sent to a stopped node here is lost (pause_queue_max = 0, as
// when its receive buffers overflow), so what it waited for never arrives and
// only pause detection stands between it and a false accusation.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "membership/wire/codec.hpp"
#include "tests/sim/cluster.hpp"

namespace hearsay::sim {
namespace {

constexpr std::size_t kNodes = 20;
constexpr std::size_t kPaused = 7;

std::string hint(std::uint64_t seed) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return replay_hint(seed, std::string(info->test_suite_name()) + "." + info->name());
}

// Starts every node through n0 and waits until all agree.
::testing::AssertionResult start(Cluster& c) {
  c.start_all({0});
  if (c.run_until([&] { return c.converged(kNodes); }, 20s)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no convergence within 20s";
}

// A LAN cluster whose paused nodes lose every inbound message.
ClusterOptions lossy_pauses(std::uint64_t seed) {
  ClusterOptions o;
  o.nodes = kNodes;
  o.seed = seed;
  o.pause_queue_max = 0;
  // Polled every 100 us, so a pause can start between a ping and its ack: a
  // round trip takes at least 2 x (1 ms latency - 0.5 ms jitter) = 1 ms.
  o.check_every = 100us;
  return o;
}

TEST(PauseDetection, NodeStoppedMidProbeAccusesNobodyOnResumeAndCountsThePause) {
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(hint(seed));
    Cluster c(lossy_pauses(seed));
    ASSERT_TRUE(start(c));
    auto& paused = c.core(kPaused);

    // Stop it right after it sends a probe, and lose the ack.
    const auto probes = paused.stats().probes;
    ASSERT_TRUE(c.run_until([&] { return paused.stats().probes > probes; }, 2s));
    c.pause(kPaused);
    std::size_t acks_lost = 0;
    c.set_tap([&](const Delivery& d) {
      if (d.to != kPaused || d.delivered) return;
      const auto r = membership::wire::decode(*d.bytes, ProtocolParams::lan().cluster_id);
      if (r.ok() && r.message.header.type == membership::wire::MessageType::ack) ++acks_lost;
    });
    c.run_for(5s);  // > the 2 s gap threshold
    c.set_tap(nullptr);
    ASSERT_GT(acks_lost, 0u) << "premise: the ack to the probe in flight was lost";

    const auto before = paused.stats();
    const auto pauses_before = c.total_stats().pauses_detected;
    c.resume(kPaused);  // ticks at once: every timer of the node is overdue
    EXPECT_EQ(paused.stats().pauses_detected, before.pauses_detected + 1);
    EXPECT_EQ(c.total_stats().pauses_detected, pauses_before + 1) << "only the paused node";
    EXPECT_EQ(paused.stats().suspicions_raised, before.suspicions_raised)
        << "accused a member on resume for an ack lost while it was stopped";
    EXPECT_EQ(paused.members().count(MemberState::suspect), 0u);
    c.run_for(3s);  // its next probes are answered: no accusation later either
    EXPECT_EQ(paused.stats().suspicions_raised, before.suspicions_raised);
  }
}

TEST(PauseDetection, SuspicionTimersDoNotRunWhileTheNodeIsStopped) {
  constexpr std::size_t kVictim = 12;
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(hint(seed));
    Cluster c(lossy_pauses(seed));
    ASSERT_TRUE(start(c));
    auto& paused = c.core(kPaused);

    c.crash(kVictim);
    ASSERT_TRUE(c.run_until([&] { return c.view(kPaused, kVictim) == MemberState::suspect; }, 10s));
    c.pause(kPaused);
    // Longer than the suspicion's ceiling with 20 members: 6 x 4 x log10(20) s = 31.2 s.
    c.run_for(60s);

    const auto before = paused.stats();
    c.resume(kPaused);
    EXPECT_EQ(paused.stats().pauses_detected, before.pauses_detected + 1);
    EXPECT_EQ(paused.stats().deaths_declared, before.deaths_declared)
        << "declared its suspect dead the instant it resumed";
    const auto held = c.view(kPaused, kVictim);
    EXPECT_TRUE(held == MemberState::suspect)
        << "holds the crashed node " << (held ? to_string(*held) : "nowhere") << ", not suspect";
  }
}

TEST(PauseDetection, PauseShorterThanTheGapThresholdIsNotCounted) {
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(hint(seed));
    ClusterOptions o;
    o.nodes = kNodes;
    o.seed = seed;
    Cluster c(o);
    ASSERT_TRUE(start(c));
    c.pause(kPaused);
    // Under 2 s even counted from its last tick (ticks come every 200 ms).
    c.run_for(1500ms);
    c.resume(kPaused);
    c.run_for(1s);
    EXPECT_EQ(c.total_stats().pauses_detected, 0u);
  }
}

}  // namespace
}  // namespace hearsay::sim
