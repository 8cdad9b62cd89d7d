// collect_stats: a node's Stats from its parts. The transport's and the
// node's counters are set to distinct values through the X-lists, and the
// protocol counters are checked through the X-list too, so a counter added
// to a list later is covered without touching this test. The core is driven
// by hand (tests/unit/gossip/fed_core.hpp) until it has counted, measured
// and sorted members into every state.
#include "gossip/node_stats.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/unit/gossip/fed_core.hpp"

namespace hearsay::gossip {
namespace {

using namespace std::chrono_literals;
using fed::claim;
using membership::Core;

bool dead(const Core& core, const std::string& name) {
  const auto* m = core.members().find(name);
  return m != nullptr && m->state == MemberState::dead;
}

// A core that has raised every protocol counter, and holds members in every
// state, each count its own: alive a b c d, suspect e f g, dead h i, left j.
void make_busy(Core& core) {
  auto now = fed::kT0;
  fed::tell(core, now, {claim("b", MemberState::alive), claim("c", MemberState::alive)});
  now += 1min;  // not ticked for a minute: a pause
  core.on_tick(now);
  ASSERT_TRUE(fed::ack_next_ping(core, now, 3ms));
  // Then nobody answers: probes fail, the other is asked to help, both die.
  const auto end = now + 1min;
  while (!(dead(core, "b") && dead(core, "c")) && now < end) {
    now = std::max(now, core.next_deadline());
    core.on_tick(now);
  }
  ASSERT_TRUE(dead(core, "b") && dead(core, "c"));
  fed::tell(core, now, {claim("b", MemberState::alive, 5), claim("c", MemberState::alive, 5)});
  fed::tell(core, now, {claim("b", MemberState::suspect, 2)});  // outdated: corrected
  // c's endpoint refuses us and b, the one helper, reports the same: c is
  // accused on that evidence, then refutes.
  std::uint32_t probe_seq = 0;
  core.take_outgoing();  // only ping-reqs sent from here on
  for (const auto until = now + 1min; probe_seq == 0 && now < until;) {
    core.on_connection_refused(now, fed::endpoint_of("c"));
    for (const auto& out : core.take_outgoing()) {
      const auto m = membership::wire::decode(out.bytes, "default");
      if (m.ok() && m.message.header.type == membership::wire::MessageType::ping_req &&
          std::get<membership::wire::PingReq>(m.message.body).target == "c")
        probe_seq = m.message.header.seq;
    }
    if (probe_seq != 0) break;
    now = std::max(now, core.next_deadline());
    core.on_tick(now);
  }
  fed::deliver(core, now, membership::wire::Nack{true}, {}, probe_seq, "b");
  ASSERT_EQ(core.stats().refusal_suspicions, 1u);
  // (Time passed meanwhile: b's probes went unanswered too. Both refute.)
  fed::tell(core, now, {claim("b", MemberState::alive, 6), claim("c", MemberState::alive, 6)});
  core.on_connection_closed(now, fed::endpoint_of("b"));               // a failure hint
  fed::tell(core, now, {claim("a", MemberState::suspect)});            // refuted
  fed::deliver(core, now, membership::wire::SyncReq{true, {}});        // served
  fed::deliver(core, now, membership::wire::Ack{}, {}, 999'999, "b");  // stale
  for (std::uint32_t i = 0; i <= 1024; ++i)  // one more ping-req than it relays at once
    fed::deliver(core, now, membership::wire::PingReq{"c", fed::endpoint_of("c")}, {}, i, "b");
  auto announced = claim("d", MemberState::alive);
  announced.services.reset();  // by version only: then pulled
  fed::tell(core, now, {announced});
  fed::tell(core, now, {claim("d", MemberState::alive)});
  std::vector<membership::wire::MemberRecord> alive;
  for (const auto* name : {"e", "f", "g", "h", "i", "j"})
    alive.push_back(claim(name, MemberState::alive));
  fed::tell(core, now, alive);
  fed::tell(core, now,
            {claim("e", MemberState::suspect), claim("f", MemberState::suspect),
             claim("g", MemberState::suspect), claim("h", MemberState::dead),
             claim("i", MemberState::dead), claim("j", MemberState::left)});
  for (int i = 0; i < 2; ++i)
    core.on_message(now, std::vector<std::uint8_t>{0xc1});  // malformed
  for (int i = 0; i < 3; ++i)
    core.on_message(now, std::vector<std::uint8_t>{0x93, 0x01, 0x02, 0x03});  // bad magic
}

// Every transport and node counter set to its own value, 1001, 1002, ...
TransportStats distinct_transport_stats() {
  TransportStats t;
  std::uint64_t next = 1001;
#define HEARSAY_SET(name, help) t.name = next++;
  HEARSAY_TRANSPORT_COUNTERS(HEARSAY_SET)
#undef HEARSAY_SET
  t.open_connections = 7;
  return t;
}

NodeCounters distinct_node_counters() {
  NodeCounters n;
  std::uint64_t next = 2001;
#define HEARSAY_SET(name, help) n.name = next++;
  HEARSAY_NODE_COUNTERS(HEARSAY_SET)
#undef HEARSAY_SET
  return n;
}

TEST(CollectStats, CopiesEveryTransportAndNodeCounter) {
  Core core(ProtocolParams::lan(), {"a", "sim://a", 1}, 7, fed::kT0);
  const auto t = distinct_transport_stats();
  const auto n = distinct_node_counters();
  const auto s = collect_stats(core, t, n, 0);
  std::size_t checked = 0;
#define HEARSAY_CHECK(name, help)     \
  EXPECT_EQ(s.name, t.name) << #name; \
  ++checked;
  HEARSAY_TRANSPORT_COUNTERS(HEARSAY_CHECK)
#undef HEARSAY_CHECK
#define HEARSAY_CHECK(name, help)     \
  EXPECT_EQ(s.name, n.name) << #name; \
  ++checked;
  HEARSAY_NODE_COUNTERS(HEARSAY_CHECK)
#undef HEARSAY_CHECK
  EXPECT_GE(checked, 13u);
}

TEST(CollectStats, CopiesEveryProtocolCounterOfTheCore) {
  Core core(ProtocolParams::lan(), {"a", "sim://a", 1}, 7, fed::kT0);
  ASSERT_NO_FATAL_FAILURE(make_busy(core));
  const auto& cs = core.stats();
  const auto s = collect_stats(core, {}, {}, 0);
  std::string never_raised;
#define HEARSAY_CHECK(name, help)      \
  EXPECT_EQ(s.name, cs.name) << #name; \
  if (cs.name == 0) never_raised += " " #name;
  HEARSAY_PROTOCOL_COUNTERS(HEARSAY_CHECK)
#undef HEARSAY_CHECK
  // A counter the core never raised would pass uncopied: the busy core
  // raised them all (a counter added later is compared, and counted here
  // until make_busy raises it too).
  EXPECT_EQ(never_raised, "") << "make_busy does not drive these";
}

TEST(CollectStats, MessagesAreKeyedByEveryTypeNameAndDropsByEveryReasonName) {
  Core core(ProtocolParams::lan(), {"a", "sim://a", 1}, 7, fed::kT0);
  ASSERT_NO_FATAL_FAILURE(make_busy(core));
  const auto& cs = core.stats();
  const auto s = collect_stats(core, {}, {}, 0);
  // Every name present, zero or not, and nothing else; name i is wire value i + 1.
  ASSERT_EQ(s.messages_in.size(), kMessageTypeNames.size());
  ASSERT_EQ(s.messages_out.size(), kMessageTypeNames.size());
  for (std::size_t i = 0; i < kMessageTypeNames.size(); ++i) {
    const std::string name(kMessageTypeNames[i]);
    ASSERT_TRUE(s.messages_in.count(name)) << name;
    ASSERT_TRUE(s.messages_out.count(name)) << name;
    EXPECT_EQ(s.messages_in.at(name), cs.messages_in[i + 1]) << name;
    EXPECT_EQ(s.messages_out.at(name), cs.messages_out[i + 1]) << name;
  }
  ASSERT_EQ(s.dropped.size(), kDropReasonNames.size());
  for (std::size_t i = 0; i < kDropReasonNames.size(); ++i) {
    const std::string name(kDropReasonNames[i]);
    ASSERT_TRUE(s.dropped.count(name)) << name;
    EXPECT_EQ(s.dropped.at(name), cs.dropped[i + 1]) << name;
  }
  // Values that tell a wrong key from the right one.
  EXPECT_EQ(s.dropped.at("malformed"), 2u);
  EXPECT_EQ(s.dropped.at("bad_magic"), 3u);
  EXPECT_EQ(s.dropped.at("truncated"), 0u);
  EXPECT_EQ(s.messages_in.at("ack"), 2u);  // the answered probe and the stale ack
  EXPECT_GE(s.messages_out.at("ping"), 2u);
  EXPECT_NE(s.messages_in, s.messages_out);
}

TEST(CollectStats, GaugesAreReadOffTheCoreAndTheTransport) {
  Core core(ProtocolParams::lan(), {"a", "sim://a", 1}, 7, fed::kT0);
  ASSERT_NO_FATAL_FAILURE(make_busy(core));
  const auto& table = core.members();
  // Distinct counts, so a state counted as another shows.
  ASSERT_EQ(table.count(MemberState::alive), 4u);
  ASSERT_EQ(table.count(MemberState::suspect), 3u);
  ASSERT_EQ(table.count(MemberState::dead), 2u);
  ASSERT_EQ(table.count(MemberState::left), 1u);
  ASSERT_GT(core.awareness(), 0) << "the failed probe should have raised it";
  ASSERT_GT(core.broadcasts_pending(), 0u);

  const auto s = collect_stats(core, distinct_transport_stats(), {}, 42);
  EXPECT_EQ(s.members_alive, 4u);
  EXPECT_EQ(s.members_suspect, 3u);
  EXPECT_EQ(s.members_dead, 2u);
  EXPECT_EQ(s.members_left, 1u);
  EXPECT_EQ(s.awareness, static_cast<std::uint64_t>(core.awareness()));
  EXPECT_EQ(s.broadcast_queue, core.broadcasts_pending());
  EXPECT_EQ(s.command_queue, 42u);
  EXPECT_EQ(s.outbound_connections, 7u);
}

}  // namespace
}  // namespace hearsay::gossip
