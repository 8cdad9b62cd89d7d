// Core: one node's SWIM + Lifeguard protocol engine, sans-I/O.
//
// Drivers (the ZeroMQ runtime, the simulator) push time and bytes in and take
// messages, events and the next deadline out:
//
//   core.on_message(now, bytes);     // bytes from the network, untrusted
//   core.on_tick(now);               // call at or after next_deadline()
//   for (auto& out : core.take_outgoing()) send(out.endpoint, out.bytes);
//
// The core never reads a clock, sleeps, spawns a thread, touches a socket or a
// global random generator; the same seed and inputs give the same outputs.
//
// It is a coordinator: it decodes messages and hands each to the part whose
// concept it is, ticks the parts in a fixed order, and takes the next
// deadline as the earliest of theirs. The parts, each in its own file:
//   ProbeCycle     probes, ping-req helpers, acks and nacks, RTT, failure hints
//   Merger         claims about members against the table: precedence,
//                  refutation, suspicion timers, declaring dead, tombstones
//   Dissemination  the news queue, periodic gossip, eager forwarding
//   AntiEntropy    digests, sync exchanges, joining, re-merging partitions
//   ServicePulls   service sets known only by version
//   PeerSelection  the live set, random samples, the probe schedule
//   Outbox         header, piggybacked news, encoding, counting
// sharing one Context (parameters, identity, member table, registry view,
// random generator, awareness, news queue, counters).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hearsay/events.hpp"
#include "hearsay/protocol_params.hpp"
#include "hearsay/service.hpp"
#include "membership/anti_entropy.hpp"
#include "membership/context.hpp"
#include "membership/dissemination.hpp"
#include "membership/merge.hpp"
#include "membership/outbox.hpp"
#include "membership/peer_selection.hpp"
#include "membership/probe_cycle.hpp"
#include "membership/service_pulls.hpp"
#include "membership/time.hpp"

namespace hearsay::membership {

class Core {
 public:
  // Throws ConfigError if `params` or `id` is invalid.
  Core(const ProtocolParams& params, Identity id, std::uint64_t seed, TimePoint now,
       Delivery delivery = Delivery::datagrams);
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;
  ~Core();

  // --- inputs ---
  void on_message(TimePoint now, std::span<const std::uint8_t> bytes);
  void on_tick(TimePoint now);
  // Failure hint: the transport saw the connection to `endpoint` close (the
  // peer went, or the transport gave up on a stalled stream). The member
  // behind it is probed next, at the schedule's next slot; a hint alone never
  // suspects anyone.
  void on_connection_closed(TimePoint now, std::string_view endpoint);
  // The driver's connection attempt to `endpoint` was refused at once (a
  // reset, nothing listening): evidence the process there has crashed.
  void on_connection_refused(TimePoint now, std::string_view endpoint);

  // Contacts seed endpoints, retrying with backoff until one answers.
  void join(TimePoint now, std::vector<std::string> seeds);
  // Announces a graceful leave. Keep driving the core until
  // broadcasts_pending() is 0 (or a bounded wait ends), then stop.
  void leave(TimePoint now);

  // Own services. set_services replaces the whole set; advertise adds or
  // replaces one record (by id). Both throw ConfigError naming the field if
  // a record or the resulting set breaks a limit (ids must be unique).
  void set_services(TimePoint now, std::vector<Service> services);
  void advertise(TimePoint now, Service service);
  bool withdraw(TimePoint now, std::string_view id);
  bool set_health(TimePoint now, std::string_view id, Health health);

  // --- outputs ---
  TimePoint next_deadline() const;
  std::vector<Outgoing> take_outgoing() { return outbox_.take(); }
  std::vector<MemberEvent> take_events() { return merger_.take_events(); }

  // --- views ---
  const std::string& name() const { return ctx_.self.name; }
  const std::string& endpoint() const { return ctx_.self.endpoint; }
  Incarnation incarnation() const { return ctx_.me().incarnation; }
  const MemberTable& members() const { return ctx_.table; }
  const RegistryView& registry() const { return ctx_.registry; }
  std::uint64_t digest() const { return ctx_.table.digest(); }
  const CoreStats& stats() const { return ctx_.stats; }
  int awareness() const { return ctx_.awareness.score(); }
  std::size_t broadcasts_pending() const { return dissemination_.pending(); }
  bool joined() const { return anti_entropy_.joined(); }
  // Smoothed round-trip time to a member, from direct probe acks.
  std::optional<Duration> rtt(std::string_view member) const { return probe_.rtt(member); }
  bool left() const { return ctx_.leaving; }

 private:
  void dispatch(TimePoint now, const wire::Message& msg);
  void housekeeping_tick(TimePoint now);
  void note_pause(TimePoint now);

  Context ctx_;
  Outbox outbox_;
  PeerSelection peers_;
  ServicePulls pulls_;
  Dissemination dissemination_;
  Merger merger_;
  ProbeCycle probe_;
  AntiEntropy anti_entropy_;
  wire::DecodeLimits limits_;
  TimePoint next_housekeeping_at_;
  TimePoint last_tick_;
};

}  // namespace hearsay::membership
