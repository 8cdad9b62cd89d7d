// Failure hints: a closed connection makes the core probe that member at
// once, and never suspects anyone by itself.
#include <gtest/gtest.h>

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

TEST(FailureHint, ClosedConnectionIsProbedAtOnce) {
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(replay_hint(seed, "FailureHint.ClosedConnectionIsProbedAtOnce"));
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
    // At most the probe already in flight is waited for (its ack: ~2 ms).
    EXPECT_LT(seen.at - hinted_at, 100ms);
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

TEST(FailureHint, HintAboutACrashedMemberSpeedsDetection) {
  ClusterOptions o;
  o.nodes = 100;
  o.seed = 2;
  Cluster c(o);
  c.start_all({0});
  ASSERT_TRUE(c.run_until([&] { return c.converged(100); }, 20s));
  c.crash(42);
  // Every peer with a connection to it sees the connection close.
  for (std::size_t i = 0; i < 100; ++i) {
    if (i == 42) continue;
    c.core(i).on_connection_closed(c.now(), c.endpoint(42));
    c.flush(i);
  }
  // Everyone probes it at once and suspects it one probe period (1 s) later;
  // so many independent suspicions bring Lifeguard's timeout to its floor
  // (4 * log10(100) * 1 s = 8 s) right away: dead everywhere at ~9 s.
  const auto took = c.run_until([&] { return c.all_see(42, MemberState::dead); }, 20s);
  ASSERT_TRUE(took);
  EXPECT_LT(*took, 9500ms);
}

}  // namespace
}  // namespace hearsay::sim
