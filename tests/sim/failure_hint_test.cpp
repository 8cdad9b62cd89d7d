// Failure hints: a closed connection makes the core probe that member next
// (at the schedule's next slot: the transport also closes streams that
// stalled under loss), and never suspects anyone by itself.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>

#include "membership/wire/codec.hpp"
#include "tests/sim/cluster.hpp"

namespace hearsay::sim {
namespace {

struct FirstPing {
  std::optional<std::string> target;
  TimePoint at{};
};

void watch_first_ping(Cluster& c, std::size_t from, FirstPing& seen) {
  c.set_tap([&c, from, &seen](const Delivery& d) {
    if (d.from != from || seen.target) return;
    const auto r = membership::wire::decode(*d.bytes, ProtocolParams::lan().cluster_id);
    if (!r.ok() || r.message.header.type != membership::wire::MessageType::ping) return;
    seen.target = std::get<membership::wire::Ping>(r.message.body).target;
    seen.at = c.now();
  });
}

TEST(FailureHint, ClosedConnectionIsProbedNext) {
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(replay_hint(seed, "FailureHint.ClosedConnectionIsProbedNext"));
    ClusterOptions o;
    o.nodes = 40;
    o.seed = seed;
    Cluster c(o);
    c.start_all({0});
    ASSERT_TRUE(c.run_until([&] { return c.converged(40); }, 20s));
    c.run_for(3300ms);  // somewhere inside a probe period

    FirstPing seen;
    watch_first_ping(c, 0, seen);
    const auto hinted_at = c.now();
    c.core(0).on_connection_closed(hinted_at, c.endpoint(13));
    c.flush(0);
    c.run_for(2s);
    ASSERT_TRUE(seen.target);
    EXPECT_EQ(*seen.target, c.name(13));
    // Not at once, but in the next slot: within one probe interval.
    EXPECT_LE(seen.at - hinted_at, ProtocolParams::lan().probe_interval);
    EXPECT_EQ(c.core(0).stats().failure_hints, 1u);
  }
}

TEST(FailureHint, HintAboutALiveMemberSuspectsNobody) {
  ClusterOptions o;
  o.nodes = 20;
  o.seed = 4;
  Cluster c(o);
  c.start_all({0});
  ASSERT_TRUE(c.run_until([&] { return c.converged(20); }, 20s));
  const auto before = c.total_stats().suspicions;
  for (int i = 0; i < 10; ++i) {
    c.core(0).on_connection_closed(c.now(), c.endpoint(5));
    c.flush(0);
    c.run_for(300ms);
  }
  EXPECT_EQ(c.total_stats().suspicions, before);
  EXPECT_TRUE(c.converged(20));
}

// How long after node 42 crashes every survivor of 100 holds it dead, with the
// same seed either way. The simulator never closes connections by itself, so
// hints reach a core only when a test delivers them: here every peer's
// connection to the crashed node closes at the crash.
std::optional<Duration> time_to_declare_crash_dead(std::uint64_t seed, bool hints) {
  constexpr std::size_t kNodes = 100;
  constexpr std::size_t kVictim = 42;
  ClusterOptions o;
  o.nodes = kNodes;
  o.seed = seed;
  Cluster c(o);
  c.start_all({0});
  if (!c.run_until([&] { return c.converged(kNodes); }, 20s)) {
    ADD_FAILURE() << "no convergence within 20s (hints " << (hints ? "on" : "off") << ")";
    return std::nullopt;
  }
  c.crash(kVictim);
  if (hints) {
    for (std::size_t i = 0; i < kNodes; ++i) {
      if (i == kVictim) continue;
      c.core(i).on_connection_closed(c.now(), c.endpoint(kVictim));
      c.flush(i);
    }
  }
  return c.run_until([&] { return c.all_see(kVictim, MemberState::dead); }, 60s);
}

TEST(FailureHint, HintAboutACrashedMemberSpeedsDetection) {
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(replay_hint(seed, "FailureHint.HintAboutACrashedMemberSpeedsDetection"));
    const auto without = time_to_declare_crash_dead(seed, false);
    const auto with = time_to_declare_crash_dead(seed, true);
    ASSERT_TRUE(without) << "not dead everywhere 60s after the crash, without hints";
    ASSERT_TRUE(with) << "not dead everywhere 60s after the crash, with hints";
    // Virtual time is exact and both runs share the seed: the hinted run must
    // win outright, not by a tolerance.
    EXPECT_LT(*with, *without) << "with hints " << std::chrono::duration<double>(*with).count()
                               << "s, without " << std::chrono::duration<double>(*without).count()
                               << "s";
    // Everyone probes it in its next slot (within 1 s), the redial is
    // refused, and so are the helpers' (docs/protocol.md, "Crashed
    // processes"): dead within the short refusal window.
    EXPECT_LT(*with, 2500ms);
    std::cout << "[ seed " << seed << " ] dead everywhere after "
              << std::chrono::duration<double>(*with).count() << "s with hints, "
              << std::chrono::duration<double>(*without).count() << "s without\n";
  }
}

}  // namespace
}  // namespace hearsay::sim
