// ProbeCycle: the probe in flight (ping and its repeats, ping-req helpers,
// nacks, recheck rounds, accusing), acks and round-trip times, this node as a helper for others
// (relays), failure hints, pauses and leaving.
#include "membership/probe_cycle.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "part_fixture.hpp"

namespace hearsay::membership {
namespace {

using namespace fixture;

struct InFlight {
  std::string target;
  std::uint32_t seq = 0;
  TimePoint at;
};

// Ticks the probe cycle at `at`, where a probe is due; returns the one ping.
InFlight probe_at(Parts& p, TimePoint at) {
  p.probe.tick(at);
  const auto sent = p.sent();
  if (sent.size() != 1 || sent[0].type() != MessageType::ping) {
    ADD_FAILURE() << "expected one ping, got " << sent.size() << " messages";
    return {};
  }
  const auto& target = sent[0].body<wire::Ping>().target;
  EXPECT_EQ(sent[0].to, endpoint_of(target));
  return {target, sent[0].msg.header.seq, at};
}

// Starts the probe cycle at kT0 and runs it to its first probe.
InFlight first_probe(Parts& p) {
  p.probe.start(kT0);
  return probe_at(p, p.probe.deadline());
}

void ack(Parts& p, const InFlight& probe, TimePoint at) {
  p.probe.on_ack(at, p.from(probe.target, wire::Ack{}, probe.seq));
}

// The pings sent since the last call; each must be `probe`'s (same target
// and sequence number).
std::size_t repeats_of(Parts& p, const InFlight& probe, std::vector<Sent> sent) {
  std::size_t n = 0;
  for (const auto& s : sent) {
    if (s.type() != MessageType::ping) continue;
    EXPECT_EQ(s.to, endpoint_of(probe.target));
    EXPECT_EQ(s.msg.header.seq, probe.seq);
    ++n;
  }
  (void)p;
  return n;
}

// Runs the probe's first period without an answer (ticking at every
// deadline); returns the helpers asked.
std::vector<std::string> silent_period(Parts& p, const InFlight& probe, TimePoint end) {
  std::vector<std::string> helpers;
  while (p.probe.deadline() < end) {
    p.probe.tick(p.probe.deadline());
    for (const auto& s : of_type(p.sent(), MessageType::ping_req))
      helpers.push_back(s.to.substr(6));  // past "sim://"
  }
  (void)probe;
  return helpers;
}

TEST(ProbeCycle, FirstProbeIsAtAJitteredStart) {
  std::set<TimePoint> starts;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    Parts p(ProtocolParams::lan(), seed);
    p.add("b");
    p.probe.start(kT0);
    const auto due = p.probe.deadline();
    EXPECT_GE(due, kT0);
    EXPECT_LT(due, kT0 + 1s) << "within one probe interval";
    starts.insert(due);
    p.probe.tick(due - 1ns);
    EXPECT_TRUE(p.sent().empty());
    const auto probe = probe_at(p, due);
    EXPECT_EQ(probe.target, "b");
    EXPECT_EQ(p.ctx.stats.probes, 1u);
  }
  EXPECT_GE(starts.size(), 5u) << "nodes started together do not probe in lockstep";
}

TEST(ProbeCycle, AckEndsTheProbeLowersAwarenessAndRecordsTheRoundTrip) {
  Parts p;
  p.add("b");
  p.ctx.awareness.apply_delta(2);  // probe timings x3: timeout 1.5 s, period 3 s
  const auto probe = first_probe(p);
  ack(p, probe, probe.at + 120ms);
  EXPECT_EQ(p.ctx.awareness.score(), 1);
  EXPECT_EQ(p.probe.rtt("b"), 120ms);
  EXPECT_EQ(p.probe.deadline(), probe.at + 3s) << "only the next probe is due";
  p.probe.tick(probe.at + 1500ms);
  p.probe.tick(probe.at + 3s - 1ns);
  EXPECT_TRUE(p.sent().empty()) << "no ping-req, nothing";
  const auto next = probe_at(p, probe.at + 3s);
  EXPECT_NE(next.seq, probe.seq);
  EXPECT_EQ(p.ctx.stats.probes_failed, 0u);
  EXPECT_EQ(p.ctx.stats.stale_acks, 0u);
  EXPECT_EQ(p.ctx.table.find("b")->state, MemberState::alive);
}

TEST(ProbeCycle, RoundTripIsSmoothedSevenEighthsOldOneEighthNew) {
  Parts p;
  p.add("b");
  auto probe = first_probe(p);
  ack(p, probe, probe.at + 100ms);
  EXPECT_EQ(p.probe.rtt("b"), 100ms) << "the first sample as it is";
  probe = probe_at(p, p.probe.deadline());
  ack(p, probe, probe.at + 180ms);
  EXPECT_EQ(p.probe.rtt("b"), 110ms) << "87.5 + 22.5";
  probe = probe_at(p, p.probe.deadline());
  ack(p, probe, probe.at + 20ms);
  EXPECT_EQ(p.probe.rtt("b"), 98750us) << "96.25 + 2.5";
  EXPECT_EQ(p.probe.rtt("c"), std::nullopt);
  p.probe.forget("b");
  EXPECT_EQ(p.probe.rtt("b"), std::nullopt);
}

TEST(ProbeCycle, RoundTripComesFromDirectAcksOnly) {
  Parts p;
  p.add("b");
  p.add("c");
  const auto probe = first_probe(p);
  p.probe.tick(probe.at + 500ms);
  ASSERT_EQ(of_type(p.sent(), MessageType::ping_req).size(), 1u);
  ack(p, probe, probe.at + 700ms);  // relayed by the helper
  EXPECT_EQ(p.probe.rtt(probe.target), std::nullopt);
  p.probe.tick(probe.at + 1s);
  EXPECT_EQ(p.ctx.stats.probes_failed, 0u) << "the relayed ack ended the probe";
  EXPECT_EQ(p.ctx.table.find(probe.target)->state, MemberState::alive);
}

TEST(ProbeCycle, NoAckRepeatsThePingThenAsksIndirectChecksHelpersAtTheProbeTimeout) {
  for (int awareness : {0, 1}) {  // timeout 500 ms, period 1 s; x2 with awareness 1
    SCOPED_TRACE("awareness " + std::to_string(awareness));
    Parts p;
    for (const auto* n : {"b", "c", "d", "e", "f"})
      p.add(n);
    p.ctx.awareness.apply_delta(awareness);
    const auto scale = awareness + 1;
    const auto probe = first_probe(p);
    // The ping again every fifth of the timeout, while no ack comes.
    for (int k = 1; k <= 4; ++k) {
      const auto due = probe.at + 100ms * scale * k;
      EXPECT_EQ(p.probe.deadline(), due);
      p.probe.tick(due - 1ns);
      EXPECT_TRUE(p.sent().empty());
      p.probe.tick(due);
      const auto sent = p.sent();
      EXPECT_EQ(sent.size(), 1u);
      EXPECT_EQ(repeats_of(p, probe, sent), 1u);
    }
    EXPECT_EQ(p.probe.deadline(), probe.at + 500ms * scale);
    p.probe.tick(probe.at + 500ms * scale);
    const auto sent = p.sent();
    ASSERT_EQ(sent.size(), 3u) << "indirect_checks = 3";
    std::set<std::string> helpers;
    for (const auto& s : sent) {
      EXPECT_EQ(s.type(), MessageType::ping_req);
      EXPECT_EQ(s.msg.header.seq, probe.seq) << "nacks and acks match the probe";
      EXPECT_EQ(s.body<wire::PingReq>(), (wire::PingReq{probe.target, endpoint_of(probe.target)}));
      helpers.insert(s.to);
    }
    EXPECT_EQ(helpers.size(), 3u);
    EXPECT_EQ(helpers.count(endpoint_of(probe.target)), 0u);
    EXPECT_EQ(p.ctx.stats.indirect_probes, 3u);
    EXPECT_EQ(p.probe.deadline(), probe.at + 1s * scale) << "then the end of the period";
    p.probe.tick(probe.at + 1s * scale - 1ns);
    EXPECT_TRUE(p.sent().empty());
    EXPECT_EQ(p.ctx.table.find(probe.target)->state, MemberState::alive);
  }
}

TEST(ProbeCycle, AnAckStopsTheRepeats) {
  Parts p;
  p.add("b");
  const auto probe = first_probe(p);
  p.probe.tick(probe.at + 100ms);
  EXPECT_EQ(repeats_of(p, probe, p.sent()), 1u);
  ack(p, probe, probe.at + 150ms);
  EXPECT_EQ(p.probe.deadline(), probe.at + 1s);
  for (auto t = probe.at + 200ms; t < probe.at + 1s; t += 100ms)
    p.probe.tick(t);
  EXPECT_TRUE(p.sent().empty());
  EXPECT_EQ(p.probe.rtt("b"), 150ms) << "timed from the first ping";
}

// b, c, d and e; the first probe's period (1 s) passes in silence.
InFlight silent_first_period(Parts& p) {
  for (const auto* n : {"b", "c", "d", "e"})
    p.add(n);
  const auto probe = first_probe(p);
  silent_period(p, probe, probe.at + 1s);
  return probe;
}

// Recheck round `round` starts at `start`: the ping again and ping-reqs to
// three helpers at once, all with the probe's sequence number.
void expect_recheck_starts(Parts& p, const InFlight& probe, TimePoint start, int round) {
  EXPECT_EQ(p.probe.deadline(), start);
  p.probe.tick(start);
  const auto sent = p.sent();
  EXPECT_EQ(repeats_of(p, probe, sent), 1u);
  const auto reqs = of_type(sent, MessageType::ping_req);
  EXPECT_EQ(reqs.size(), 3u);
  for (const auto& r : reqs)
    EXPECT_EQ(r.msg.header.seq, probe.seq) << "the same probe: late answers still count";
  EXPECT_EQ(p.ctx.stats.probe_rechecks, static_cast<std::uint64_t>(round));
  EXPECT_EQ(p.ctx.table.find(probe.target)->state, MemberState::alive);
}

TEST(ProbeCycle, SilentAliveMemberGetsTwoRecheckRoundsBeforeItIsAccused) {
  Parts p;
  const auto probe = silent_first_period(p);
  // Each recheck: ping and ping-req at once, then the ping repeated every
  // 100 ms, and one probe timeout (500 ms) to answer.
  for (int round = 1; round <= 2; ++round) {
    SCOPED_TRACE("recheck " + std::to_string(round));
    const auto start = probe.at + 1s + 500ms * (round - 1);
    expect_recheck_starts(p, probe, start, round);
    for (int k = 1; k <= 4; ++k) {
      p.probe.tick(start + 100ms * k);
      EXPECT_EQ(repeats_of(p, probe, p.sent()), 1u);
    }
    EXPECT_EQ(p.ctx.stats.probes_failed, 0u);
  }
  EXPECT_EQ(p.ctx.stats.probes, 1u) << "rechecks are not new probes";
  p.probe.tick(probe.at + 2s);
  EXPECT_EQ(p.ctx.table.find(probe.target)->state, MemberState::suspect);
  EXPECT_EQ(p.ctx.stats.probes_failed, 1u);
  EXPECT_EQ(p.ctx.stats.suspicions_raised, 1u);
  EXPECT_EQ(p.ctx.stats.probes, 2u) << "the next probe waited for the rechecks, then went at once";
}

// Over a stream an answer is late, never lost: a recheck round lasts a probe
// interval (1 s), not a probe timeout, and sends one ping.
TEST(ProbeCycle, OverStreamsARecheckRoundLastsAProbeInterval) {
  Parts p(ProtocolParams::lan(), 1, Delivery::streams);
  const auto probe = silent_first_period(p);
  for (int round = 1; round <= 2; ++round) {
    SCOPED_TRACE("recheck " + std::to_string(round));
    const auto start = probe.at + 1s * round;
    expect_recheck_starts(p, probe, start, round);
    EXPECT_EQ(p.probe.deadline(), start + 1s) << "no repeats; the round's end";
  }
  p.probe.tick(probe.at + 3s);
  EXPECT_EQ(p.ctx.table.find(probe.target)->state, MemberState::suspect);
  EXPECT_EQ(p.ctx.stats.probe_rechecks, 2u);
}

TEST(ProbeCycle, AnAckDuringARecheckSavesTheMember) {
  Parts p;
  for (const auto* n : {"b", "c", "d", "e"})
    p.add(n);
  const auto probe = first_probe(p);
  silent_period(p, probe, probe.at + 1s);
  p.probe.tick(probe.at + 1s);
  p.sent();
  ack(p, probe, probe.at + 1200ms);  // relayed by a helper, or our own ping's
  p.probe.tick(probe.at + 1500ms);
  p.probe.tick(probe.at + 2s);
  EXPECT_EQ(p.ctx.table.find(probe.target)->state, MemberState::alive);
  EXPECT_EQ(p.ctx.stats.probes_failed, 0u);
  EXPECT_EQ(p.ctx.stats.probe_rechecks, 1u);
  EXPECT_EQ(p.probe.rtt(probe.target), std::nullopt) << "not a direct round trip";
}

TEST(ProbeCycle, SuspectTargetIsAccusedWithoutRechecks) {
  Parts p;
  p.add("b", MemberState::suspect);
  const auto probe = first_probe(p);
  silent_period(p, probe, probe.at + 1s);
  p.probe.tick(probe.at + 1s);
  EXPECT_EQ(p.ctx.stats.probe_rechecks, 0u);
  EXPECT_EQ(p.ctx.stats.probes_failed, 1u) << "our own failure confirms the suspicion";
}

// The transport also closes streams that stalled under loss: the probe of a
// member whose connection closed still gets its rechecks before anyone is
// accused.
TEST(ProbeCycle, ClosedConnectionHintIsProbedWithRechecks) {
  Parts p;
  p.add("b");
  p.probe.start(kT0);
  p.probe.on_connection_closed(kT0 + 10ms, "sim://b");
  const auto probe = probe_at(p, p.probe.deadline());
  EXPECT_EQ(probe.target, "b");
  silent_period(p, probe, probe.at + 1s);
  p.probe.tick(probe.at + 1s);
  EXPECT_EQ(p.ctx.stats.probe_rechecks, 1u);
  EXPECT_EQ(p.ctx.stats.probes_failed, 0u);
  EXPECT_EQ(p.ctx.table.find("b")->state, MemberState::alive);
}

struct NackCase {
  int others;  // members besides the target (helpers available)
  int nacks;   // nacks that came back, of min(3, others)
  int awareness_after;
};

TEST(ProbeCycle, PeriodEndAccusesWithAwarenessRaisedByMissingNacks) {
  // Lifeguard: +1 for a failed probe with nobody to ask; otherwise +1 per
  // helper of the last round that did not answer (0 if all nacked: the
  // target is the silent one).
  for (const auto& c : std::vector<NackCase>{
           {0, 0, 1}, {1, 0, 1}, {1, 1, 0}, {3, 0, 3}, {3, 1, 2}, {3, 2, 1}, {3, 3, 0}}) {
    SCOPED_TRACE(std::to_string(c.others) + " helpers, " + std::to_string(c.nacks) + " nacks");
    Parts p;
    p.add("t");
    for (int i = 0; i < c.others; ++i)
      p.add("h" + std::to_string(i), MemberState::alive, {1, 0}, kT0 - 1h);
    // Probe until the target is t (the helpers' probes are acked).
    InFlight probe = first_probe(p);
    while (probe.target != "t") {
      ack(p, probe, probe.at + 1ms);
      probe = probe_at(p, p.probe.deadline());
    }
    p.ctx.awareness.apply_delta(-10);
    // The first period and the first recheck pass in silence.
    silent_period(p, probe, probe.at + 1500ms);
    // The last round: its helpers' nacks are the ones that count.
    p.probe.tick(probe.at + 1500ms);
    const auto reqs = of_type(p.sent(), MessageType::ping_req);
    ASSERT_EQ(reqs.size(), static_cast<std::size_t>(std::min(3, c.others)));
    for (int i = 0; i < c.nacks; ++i) {
      const auto helper = reqs[static_cast<std::size_t>(i)].to.substr(6);  // past "sim://"
      p.probe.on_nack(probe.at + 1600ms, p.from(helper, wire::Nack{}, probe.seq));
    }
    const auto later = probe.at + 1700ms;
    p.probe.on_nack(later, p.from("h0", wire::Nack{}, probe.seq + 1000));  // not ours: ignored
    // A helper's duplicate, and a member we did not ask, stand in for nobody.
    if (c.nacks > 0)
      p.probe.on_nack(later, p.from(reqs.front().to.substr(6), wire::Nack{}, probe.seq));
    p.probe.on_nack(later, p.from("stranger", wire::Nack{}, probe.seq));
    p.merger.take_events();
    silent_period(p, probe, probe.at + 2s);
    p.probe.tick(probe.at + 2s);
    EXPECT_EQ(p.ctx.awareness.score(), c.awareness_after);
    const auto* t = p.ctx.table.find("t");
    EXPECT_EQ(t->state, MemberState::suspect);
    EXPECT_EQ(t->from, "self");
    EXPECT_EQ(p.ctx.stats.probes_failed, 1u);
    EXPECT_EQ(p.ctx.stats.suspicions_raised, 1u);
    const auto events = p.merger.take_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, MemberEventType::suspect);
    EXPECT_EQ(events[0].name, "t");
  }
}

TEST(ProbeCycle, TargetGoneBeforeThePeriodEndsIsNotAccused) {
  Parts p;
  p.add("b");
  const auto probe = first_probe(p);
  p.add("b", MemberState::left, {1, 1});  // it said goodbye meanwhile
  p.probe.tick(probe.at + 500ms);
  p.probe.tick(probe.at + 1s);
  EXPECT_EQ(p.ctx.table.find("b")->state, MemberState::left);
  EXPECT_EQ(p.ctx.stats.suspicions_raised, 0u);
  EXPECT_EQ(p.ctx.stats.probes_failed, 1u);
}

TEST(ProbeCycle, StaleAcksAreCountedAndProveNothing) {
  Parts p;
  p.add("b");
  const auto probe = first_probe(p);
  p.probe.on_ack(probe.at + 10ms, p.from("b", wire::Ack{}, probe.seq + 1000));
  EXPECT_EQ(p.ctx.stats.stale_acks, 1u) << "an ack with another sequence number";
  silent_period(p, probe, probe.at + 2s);
  const auto next = probe_at(p, probe.at + 2s);  // after two rechecks, the next probe
  EXPECT_EQ(p.ctx.table.find("b")->state, MemberState::suspect) << "it did not save b";
  ack(p, probe, probe.at + 2001ms);
  EXPECT_EQ(p.ctx.stats.stale_acks, 2u) << "the right one, after the period";
  EXPECT_EQ(p.ctx.table.find("b")->state, MemberState::suspect);

  // A duplicate of an ack that did count.
  ack(p, next, next.at + 5ms);
  ack(p, next, next.at + 6ms);
  EXPECT_EQ(p.ctx.stats.stale_acks, 3u);
}

TEST(ProbeCycle, ProbeOfASuspectCarriesItsSuspicion) {
  Parts p;
  auto b = member("b", MemberState::suspect);
  b.from = "x";
  p.put(b);
  p.probe.start(kT0);
  p.probe.tick(p.probe.deadline());
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_FALSE(sent[0].msg.news.empty());
  EXPECT_EQ(sent[0].msg.news[0].name, "b");
  EXPECT_EQ(sent[0].msg.news[0].state, MemberState::suspect);
  EXPECT_EQ(sent[0].msg.news[0].from, "x");
}

TEST(ProbeCycle, PingForUsIsAckedWithItsSequenceNumber) {
  Parts p;
  p.ctx.broadcasts.enqueue("n", wire::encode_record(record("n", MemberState::alive)));
  p.probe.on_ping(p.from("b", wire::Ping{"self"}, 31));
  auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, "sim://b");
  EXPECT_EQ(sent[0].type(), MessageType::ack);
  EXPECT_EQ(sent[0].msg.header.seq, 31u);
  EXPECT_EQ(news_names(sent[0]), (std::vector<std::string>{"n"})) << "news piggybacked";
  // Someone else used to live at our endpoint: silence.
  p.probe.on_ping(p.from("b", wire::Ping{"someone-else"}, 32));
  EXPECT_TRUE(p.sent().empty());
  EXPECT_EQ(p.ctx.stats.dropped[static_cast<std::size_t>(wire::DropReason::unexpected)], 1u);
}

// --- this node as a helper ----------------------------------------------------

// r asks us to probe t; returns our ping's sequence number.
std::uint32_t relay_for_r(Parts& p, TimePoint now) {
  p.probe.on_ping_req(now, p.from("r", wire::PingReq{"t", "sim://t"}, 77));
  const auto sent = p.sent();
  if (sent.size() != 1) {
    ADD_FAILURE() << "expected one ping to the target, got " << sent.size() << " messages";
    return 0;
  }
  EXPECT_EQ(sent[0].to, "sim://t");
  EXPECT_EQ(sent[0].type(), MessageType::ping);
  EXPECT_EQ(sent[0].body<wire::Ping>().target, "t");
  EXPECT_NE(sent[0].msg.header.seq, 77u) << "our own sequence number";
  return sent[0].msg.header.seq;
}

TEST(ProbeCycle, HelperRelaysTheTargetsAck) {
  Parts p;
  const auto seq = relay_for_r(p, kT0);
  p.probe.on_ack(kT0 + 10ms, p.from("t", wire::Ack{}, seq));
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, "sim://r");
  EXPECT_EQ(sent[0].type(), MessageType::ack);
  EXPECT_EQ(sent[0].msg.header.seq, 77u) << "the requester's sequence number";
  p.probe.tick(kT0 + 400ms);
  EXPECT_TRUE(p.sent().empty()) << "no nack after an ack";
  EXPECT_EQ(p.ctx.stats.stale_acks, 0u);
}

TEST(ProbeCycle, HelperRepeatsItsPingThenAnswersNackAtEightyPercentOfTheProbeTimeout) {
  Parts p;  // probe_timeout 500 ms: nack after 400 ms, the ping again every 80 ms
  const auto seq = relay_for_r(p, kT0);
  for (int k = 1; k <= 4; ++k) {
    const auto due = kT0 + 80ms * k;
    p.probe.tick(due - 1ns);
    EXPECT_TRUE(p.sent().empty());
    p.probe.tick(due);
    const auto sent = p.sent();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].to, "sim://t");
    EXPECT_EQ(sent[0].type(), MessageType::ping);
    EXPECT_EQ(sent[0].msg.header.seq, seq);
  }
  p.probe.tick(kT0 + 400ms - 1ns);
  EXPECT_TRUE(p.sent().empty());
  p.probe.tick(kT0 + 400ms);
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, "sim://r");
  EXPECT_EQ(sent[0].type(), MessageType::nack);
  EXPECT_EQ(sent[0].msg.header.seq, 77u);
}

// After its nack the helper keeps the relay one probe interval: a late ack
// (a stalled stream, a slow host) still reaches the requester, whose probe
// may be open; after that it is stale.
TEST(ProbeCycle, HelperForwardsALateAckWithinAProbeIntervalOfItsNack) {
  for (const auto late : {450ms, 1399ms}) {
    Parts p;
    const auto seq = relay_for_r(p, kT0);
    for (auto t = kT0 + 80ms; t <= kT0 + 400ms; t += 80ms)
      p.probe.tick(t);
    ASSERT_EQ(p.sent().size(), 5u) << "four repeats and the nack";
    p.probe.tick(kT0 + late);
    p.probe.on_ack(kT0 + late, p.from("t", wire::Ack{}, seq));
    const auto sent = p.sent();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].to, "sim://r");
    EXPECT_EQ(sent[0].type(), MessageType::ack);
    EXPECT_EQ(sent[0].msg.header.seq, 77u);
    EXPECT_EQ(p.ctx.stats.stale_acks, 0u);
  }
  Parts p;
  const auto seq = relay_for_r(p, kT0);
  p.probe.tick(kT0 + 400ms);
  (void)p.sent();
  p.probe.tick(kT0 + 1400ms);
  p.probe.on_ack(kT0 + 1400ms, p.from("t", wire::Ack{}, seq));
  EXPECT_TRUE(p.sent().empty()) << "a probe interval after the nack: forgotten";
  EXPECT_EQ(p.ctx.stats.stale_acks, 1u);
}

// Over a stream (TCP) a repeated ping would wait behind the ping it repeats:
// neither the prober nor a helper repeats, the rest of the probe is the same.
TEST(ProbeCycle, OverStreamsNoPingIsRepeated) {
  Parts p(ProtocolParams::lan(), 1, Delivery::streams);
  for (const auto* n : {"b", "c", "d", "e", "f"})
    p.add(n);
  const auto probe = first_probe(p);
  EXPECT_EQ(p.probe.deadline(), probe.at + 500ms) << "nothing before the probe timeout";
  for (auto t = probe.at + 100ms; t < probe.at + 500ms; t += 100ms)
    p.probe.tick(t);
  EXPECT_TRUE(p.sent().empty());
  p.probe.tick(probe.at + 500ms);
  EXPECT_EQ(p.sent().size(), 3u) << "the ping-reqs, as over datagrams";
  ack(p, probe, probe.at + 600ms);

  Parts helper(ProtocolParams::lan(), 1, Delivery::streams);
  relay_for_r(helper, kT0);
  for (auto t = kT0 + 80ms; t < kT0 + 400ms; t += 80ms)
    helper.probe.tick(t);
  EXPECT_TRUE(helper.sent().empty());
  helper.probe.tick(kT0 + 400ms);
  const auto sent = helper.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].type(), MessageType::nack) << "the helper's nack, on time";
}

TEST(ProbeCycle, RelaysAreBounded) {
  Parts p;
  for (std::uint32_t i = 0; i < 1100; ++i)
    p.probe.on_ping_req(kT0, p.from("r", wire::PingReq{"t", "sim://t"}, i));
  EXPECT_EQ(p.sent().size(), 1024u) << "at most 1024 relays at once";
  EXPECT_EQ(p.ctx.stats.relays_refused, 76u) << "the rest refused and counted";
  p.probe.tick(kT0 + 400ms);
  EXPECT_EQ(of_type(p.sent(), MessageType::nack).size(), 1024u);
  p.probe.on_ping_req(kT0 + 400ms, p.from("r", wire::PingReq{"t", "sim://t"}, 5000));
  EXPECT_TRUE(p.sent().empty()) << "nacked relays wait a probe interval for late acks";
  p.probe.tick(kT0 + 1400ms);
  relay_for_r(p, kT0 + 1400ms);  // room again
}

// --- failure hints ------------------------------------------------------------

// A closed connection is weak evidence (the transport also closes streams
// that stalled under loss): that member is probed next, in the next slot.
TEST(ProbeCycle, FailureHintMakesThatMemberTheNextProbe) {
  Parts p;
  for (const auto* n : {"b", "c", "d", "e", "f"})
    p.add(n);
  const auto probe = first_probe(p);
  ack(p, probe, probe.at + 10ms);
  ASSERT_EQ(p.probe.deadline(), probe.at + 1s);
  const auto hinted = probe.target == "d" ? std::string("e") : std::string("d");
  const auto at = probe.at + 200ms;
  p.probe.on_connection_closed(at, endpoint_of(hinted));
  EXPECT_EQ(p.ctx.stats.failure_hints, 1u);
  EXPECT_EQ(p.probe.deadline(), probe.at + 1s) << "no probe out of schedule";
  const auto next = probe_at(p, probe.at + 1s);
  EXPECT_EQ(next.target, hinted);
  // The hint only probes: the member answers and nothing else happens.
  ack(p, next, next.at + 5ms);
  p.probe.tick(next.at + 500ms);
  EXPECT_TRUE(p.sent().empty());
  EXPECT_EQ(p.ctx.table.find(hinted)->state, MemberState::alive);
  EXPECT_EQ(p.ctx.stats.suspicions_raised, 0u);
  EXPECT_EQ(p.probe.deadline(), next.at + 1s) << "the schedule resumes";
}

TEST(ProbeCycle, FailureHintWaitsForTheProbeInFlightAndTheNextSlot) {
  Parts p;
  for (const auto* n : {"b", "c", "d"})
    p.add(n);
  const auto probe = first_probe(p);
  const auto hinted = probe.target == "d" ? std::string("c") : std::string("d");
  p.probe.on_connection_closed(probe.at + 50ms, endpoint_of(hinted));
  EXPECT_EQ(p.probe.deadline(), probe.at + 100ms) << "the probe in flight goes on";
  ack(p, probe, probe.at + 200ms);
  EXPECT_EQ(p.probe.deadline(), probe.at + 1s);
  EXPECT_EQ(probe_at(p, probe.at + 1s).target, hinted);
}

// A refusal is strong evidence: it is probed at once, and a closed-connection
// hint arriving later does not displace it.
TEST(ProbeCycle, RefusalHintIsNotDisplacedByALaterClosedHint) {
  Parts p;
  for (const auto* n : {"b", "c", "d"})
    p.add(n);
  const auto probe = first_probe(p);
  std::vector<std::string> others;
  for (const auto* n : {"b", "c", "d"})
    if (n != probe.target) others.emplace_back(n);
  p.probe.on_connection_refused(probe.at + 50ms, endpoint_of(others[0]));
  p.probe.on_connection_closed(probe.at + 60ms, endpoint_of(others[1]));
  ack(p, probe, probe.at + 200ms);
  EXPECT_EQ(p.probe.deadline(), probe.at + 200ms) << "the refused member at once";
  EXPECT_EQ(probe_at(p, probe.at + 200ms).target, others[0]);
}

TEST(ProbeCycle, FailureHintAboutTheMemberBeingProbedChangesNothing) {
  Parts p;
  p.add("b");
  p.add("c");
  const auto probe = first_probe(p);
  p.probe.on_connection_closed(probe.at + 100ms, endpoint_of(probe.target));
  EXPECT_EQ(p.ctx.stats.failure_hints, 1u);
  ack(p, probe, probe.at + 200ms);
  EXPECT_EQ(p.probe.deadline(), probe.at + 1s);
}

TEST(ProbeCycle, FailureHintsAboutNobodyWeProbeAreIgnored) {
  Parts p;
  p.add("b");
  p.add("dead", MemberState::dead);
  p.probe.start(kT0);
  const auto due = p.probe.deadline();
  for (const auto* endpoint : {"sim://nobody", "sim://dead", "sim://self"})
    p.probe.on_connection_closed(kT0, endpoint);
  p.ctx.leaving = true;
  p.probe.on_connection_closed(kT0, "sim://b");
  p.ctx.leaving = false;
  EXPECT_EQ(p.ctx.stats.failure_hints, 0u);
  EXPECT_EQ(p.probe.deadline(), due);
}

// --- refused connections --------------------------------------------------------

// t and three helpers; the first probe goes to t.
InFlight probe_t_with_helpers(Parts& p, int helpers = 3) {
  p.add("t");
  for (int i = 0; i < helpers; ++i)
    p.add("h" + std::to_string(i), MemberState::alive, {1, 0}, kT0 - 1h);
  InFlight probe = first_probe(p);
  while (probe.target != "t") {
    ack(p, probe, probe.at + 1ms);
    probe = probe_at(p, p.probe.deadline());
  }
  return probe;
}

TEST(ProbeCycle, RefusedByUsAndByTheHelpersIsAccusedWithAOneSecondWindow) {
  Parts p;
  const auto probe = probe_t_with_helpers(p);
  const auto at = probe.at + 5ms;
  p.probe.on_connection_refused(at, "sim://t");
  EXPECT_EQ(p.ctx.stats.refusals, 1u);
  const auto reqs = of_type(p.sent(), MessageType::ping_req);
  ASSERT_EQ(reqs.size(), 3u) << "helpers asked at once, not at the probe timeout";
  EXPECT_EQ(p.ctx.table.find("t")->state, MemberState::alive) << "our own refusal is not enough";
  p.probe.tick(at + 100ms);
  EXPECT_TRUE(of_type(p.sent(), MessageType::ping).empty()) << "no more pings into a refusal";
  p.probe.on_nack(at + 10ms, p.from(reqs[0].to.substr(6), wire::Nack{true}, probe.seq));
  const auto* t = p.ctx.table.find("t");
  EXPECT_EQ(t->state, MemberState::suspect);
  EXPECT_EQ(t->from, "self");
  EXPECT_EQ(p.ctx.stats.refusal_suspicions, 1u);
  EXPECT_EQ(p.ctx.stats.probe_rechecks, 0u);
  EXPECT_EQ(p.merger.deadline(), at + 10ms + 1s) << "one probe interval to refute";
  p.merger.tick(at + 10ms + 1s);
  EXPECT_EQ(p.ctx.table.find("t")->state, MemberState::dead);
}

TEST(ProbeCycle, APlainNackOrAnAckOutweighsRefusals) {
  {
    Parts p;  // a helper reached the target's host and heard nothing: no verdict
    const auto probe = probe_t_with_helpers(p);
    p.probe.on_connection_refused(probe.at + 5ms, "sim://t");
    const auto reqs = of_type(p.sent(), MessageType::ping_req);
    ASSERT_EQ(reqs.size(), 3u);
    p.probe.on_nack(probe.at + 10ms, p.from(reqs[0].to.substr(6), wire::Nack{}, probe.seq));
    p.probe.on_nack(probe.at + 11ms, p.from(reqs[1].to.substr(6), wire::Nack{true}, probe.seq));
    EXPECT_EQ(p.ctx.table.find("t")->state, MemberState::alive);
    EXPECT_EQ(p.ctx.stats.refusal_suspicions, 0u);
  }
  {
    Parts p;  // a helper's ack ends the probe
    const auto probe = probe_t_with_helpers(p);
    p.probe.on_connection_refused(probe.at + 5ms, "sim://t");
    p.sent();
    ack(p, probe, probe.at + 20ms);
    p.probe.on_nack(probe.at + 21ms, p.from("h0", wire::Nack{true}, probe.seq));
    EXPECT_EQ(p.ctx.table.find("t")->state, MemberState::alive);
    EXPECT_EQ(p.ctx.stats.refusal_suspicions, 0u);
  }
}

TEST(ProbeCycle, RefusedWithNobodyToAskIsAccusedOnOurOwnEvidence) {
  Parts p;
  const auto probe = probe_t_with_helpers(p, 0);
  p.probe.on_connection_refused(probe.at + 5ms, "sim://t");
  EXPECT_EQ(p.ctx.table.find("t")->state, MemberState::suspect);
  EXPECT_EQ(p.ctx.stats.refusal_suspicions, 1u);
}

// b, c and d; the first probe answered. Returns a member that probe was not
// for (c or d) and when the probe went.
std::pair<std::string, TimePoint> after_an_answered_probe(Parts& p) {
  for (const auto* n : {"b", "c", "d"})
    p.add(n);
  const auto probe = first_probe(p);
  ack(p, probe, probe.at + 1ms);
  return {probe.target == "c" ? std::string("d") : std::string("c"), probe.at};
}

TEST(ProbeCycle, RefusalWithoutAProbeInFlightProbesThatMemberAtOnce) {
  Parts p;
  const auto [other, at] = after_an_answered_probe(p);
  p.probe.on_connection_refused(at + 200ms, endpoint_of(other));
  EXPECT_EQ(p.probe.deadline(), at + 200ms);
  EXPECT_EQ(probe_at(p, at + 200ms).target, other);
  // Nobody we know, ourselves: nothing.
  for (const auto* e : {"sim://nobody", "sim://self"})
    p.probe.on_connection_refused(at + 300ms, e);
  EXPECT_EQ(p.ctx.stats.refusals, 1u);
}

// Every message to a crashed process is refused: the member is probed again
// on a refusal at most once a probe interval, whatever its state.
TEST(ProbeCycle, RefusalsProbeAMemberAtMostOnceAProbeInterval) {
  Parts p;
  const auto [other, at] = after_an_answered_probe(p);
  const auto t = at + 100ms;
  p.probe.on_connection_refused(t, endpoint_of(other));
  const auto again = probe_at(p, t);
  ASSERT_EQ(again.target, other);
  ack(p, again, t + 1ms);
  const auto scheduled = p.probe.deadline();
  p.probe.on_connection_refused(t + 500ms, endpoint_of(other));
  EXPECT_EQ(p.probe.deadline(), scheduled) << "refused again within the interval: no new probe";
  p.add(other, MemberState::suspect);
  p.probe.on_connection_refused(t + 1s, endpoint_of(other));
  EXPECT_EQ(p.probe.deadline(), t + 1s) << "a suspect too, once the interval has passed";
  EXPECT_EQ(p.ctx.stats.refusals, 3u);
}

TEST(ProbeCycle, HelperReportsARefusalAtOnce) {
  Parts p;
  relay_for_r(p, kT0);
  p.probe.on_connection_refused(kT0 + 3ms, "sim://t");
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, "sim://r");
  EXPECT_EQ(sent[0].type(), MessageType::nack);
  EXPECT_EQ(sent[0].msg.header.seq, 77u);
  EXPECT_TRUE(sent[0].body<wire::Nack>().refused);
  for (auto t = kT0 + 80ms; t <= kT0 + 400ms; t += 80ms)
    p.probe.tick(t);
  EXPECT_TRUE(p.sent().empty()) << "the relay is over: no more pings, no second nack";
}

// --- pauses and leaving -------------------------------------------------------

TEST(ProbeCycle, PauseDropsTheProbeAndTheRelays) {
  Parts p;
  p.add("b");
  p.add("c");
  const auto probe = first_probe(p);
  relay_for_r(p, probe.at);
  p.probe.on_pause(probe.at + 300ms);
  EXPECT_EQ(p.probe.deadline(), probe.at + 1s) << "only the next probe, on schedule";
  p.probe.tick(probe.at + 500ms);
  EXPECT_TRUE(p.sent().empty()) << "no ping-req, no nack for r";
  const auto next = probe_at(p, probe.at + 1s);
  EXPECT_EQ(p.ctx.stats.probes_failed, 0u);
  EXPECT_EQ(p.ctx.stats.suspicions_raised, 0u);
  EXPECT_EQ(p.ctx.awareness.score(), 0);
  // A pause longer than the interval: probing resumes at once.
  p.probe.on_pause(next.at + 10s);
  EXPECT_EQ(p.probe.deadline(), next.at + 10s);
}

TEST(ProbeCycle, LeavingStopsProbingButStillAnswersAsAHelper) {
  Parts p;
  p.add("b");
  const auto probe = first_probe(p);
  p.ctx.leaving = true;
  p.probe.abandon();
  EXPECT_EQ(p.probe.deadline(), kNever);
  for (auto t = probe.at; t < probe.at + 10s; t += 100ms)
    p.probe.tick(t);
  EXPECT_TRUE(p.sent().empty());
  EXPECT_EQ(p.ctx.stats.probes, 1u);
  EXPECT_EQ(p.ctx.table.find("b")->state, MemberState::alive);
  relay_for_r(p, probe.at + 10s);
  EXPECT_EQ(p.probe.deadline(), probe.at + 10s + 80ms) << "the relay's repeated ping";
  for (auto t = probe.at + 10s + 80ms; t <= probe.at + 10s + 400ms; t += 80ms)
    p.probe.tick(t);
  const auto sent = p.sent();
  EXPECT_EQ(of_type(sent, MessageType::ping).size(), 4u);
  EXPECT_EQ(of_type(sent, MessageType::nack).size(), 1u);
}

}  // namespace
}  // namespace hearsay::membership
