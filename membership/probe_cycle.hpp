// ProbeCycle: SWIM's failure detector, with Lifeguard's refinements.
//
// Every probe interval (scaled by awareness) it pings the next member of the
// shuffled round-robin schedule. No ack within the probe timeout: it asks
// indirect_checks random members to ping the target for it (ping-req); a
// helper that hears nothing answers nack at 80% of the timeout, so the
// requester can tell "target silent" from "helper unreachable". Still no ack
// at the end of the period: awareness rises by the missing nacks and the
// Merger accuses the target. This node is also a helper for others (relays).
// Acks are matched by sequence number, so late or duplicate acks are only
// counted. A failure hint (the transport saw the connection to a member
// close) makes that member the next probe at once; a hint alone never
// accuses anyone. Round-trip times come from direct acks only.
//
// Loss hardening (docs/protocol.md, "Hostile networks"): until an ack comes,
// the prober pings again every quarter of the probe timeout, and a helper
// every quarter of its nack delay — a retry costs a message only when the
// previous one went unanswered, so on a clean network it costs nothing, and
// on a lossy one sequential retries are far cheaper than helpers; and a
// period that ends without an ack for a member we hold alive (and no failure
// hint) is followed by recheck rounds — ping and ping-req at once, one probe
// timeout long — before the member is accused.
//
// Refusals (docs/protocol.md, "Crashed processes"): a member whose endpoint
// refuses our connection attempts, and the attempts of every helper that
// answered, is a crashed process on a live host. It is accused at once with
// a short confirmation window (Merger::accuse_refused) instead of waiting
// out rechecks and Lifeguard's timeout; any ack ends the probe as usual.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "membership/context.hpp"
#include "membership/merge.hpp"
#include "membership/outbox.hpp"
#include "membership/peer_selection.hpp"
#include "membership/wire/messages.hpp"

namespace hearsay::membership {

class ProbeCycle {
 public:
  ProbeCycle(Context& ctx, Outbox& out, PeerSelection& peers, Merger& merger)
      : ctx_(ctx), out_(out), peers_(peers), merger_(merger) {}

  // Draws the first probe time (jittered, as nodes start together).
  void start(TimePoint now);

  void on_ping(const wire::Message& msg);
  void on_ack(TimePoint now, const wire::Message& msg);
  void on_ping_req(TimePoint now, const wire::Message& msg);
  void on_nack(TimePoint now, const wire::Message& msg);
  // Failure hint about whoever is behind `endpoint`.
  void on_connection_closed(TimePoint now, std::string_view endpoint);
  // A connection attempt to `endpoint` was refused: answer our relays for
  // it at once, and probe it (asking helpers at once) if it is a member.
  void on_connection_refused(TimePoint now, std::string_view endpoint);

  // The probe in flight (unless leaving), then answers owed as a helper.
  void tick(TimePoint now);
  TimePoint deadline() const;

  // Stop probing (leaving).
  void abandon() { probe_.reset(); }
  // This process was stopped: the probe in flight and the relays proved
  // nothing; resume probing now.
  void on_pause(TimePoint now);
  void forget(std::string_view member) {
    rtt_.erase(std::string(member));
    refusal_probed_.erase(std::string(member));
  }
  // Smoothed round-trip time to a member, from direct probe acks.
  std::optional<Duration> rtt(std::string_view member) const;

 private:
  // A ping sent `left` more times, every `every`, until an ack ends it.
  struct Repeats {
    TimePoint next = kNever;
    Duration every{};
    int left = 0;
    bool due(TimePoint now) {
      if (left == 0 || now < next) return false;
      --left;
      next = left == 0 ? kNever : next + every;
      return true;
    }
  };
  static constexpr int kPingsPerWindow = 5;
  // kPingsPerWindow pings spread over `window` over datagrams; one over a
  // stream (Delivery).
  Repeats repeats_within(TimePoint now, Duration window) const;

  struct Probe {
    std::string target;
    std::string endpoint;
    std::uint32_t seq = 0;
    TimePoint sent;          // for round-trip time
    Repeats repings;         // more pings while no ack
    TimePoint ack_deadline;  // then ask helpers (ping-req)
    TimePoint period_end;    // then recheck or accuse
    bool indirect_sent = false;
    bool refused = false;                 // our own connection attempt was refused
    std::vector<std::string> refused_by;  // helpers whose attempt was refused too
    int rechecks = 0;                     // rounds after the first silent period
    std::vector<std::string> helpers;     // asked to ping-req the target
    std::vector<std::string> nacked;      // helpers whose nack arrived (each once)
  };
  // A ping we send on behalf of a requester (we are its helper).
  struct Relay {
    std::string requester_endpoint;
    std::uint32_t requester_seq = 0;
    std::string target;
    std::string target_endpoint;
    Repeats repings;     // more pings of the target while no ack
    TimePoint deadline;  // then answer nack; once nacked, then forget it
    bool nacked = false;
  };

  void probe_tick(TimePoint now);
  void relay_tick(TimePoint now);
  void start_probe(TimePoint now, const std::string& target);
  void start_recheck(TimePoint now);
  void ping_target();
  void ask_helpers(TimePoint now);
  void finish_probe(TimePoint now);
  void check_refusals(TimePoint now);
  void note_rtt(const std::string& member, Duration sample);

  Context& ctx_;
  Outbox& out_;
  PeerSelection& peers_;
  Merger& merger_;
  std::unique_ptr<Probe> probe_;
  TimePoint next_probe_at_{};
  struct Hint {
    std::string member;   // probed next
    bool urgent = false;  // at once (a refusal), not at the schedule's next slot
  };
  std::optional<Hint> hint_;
  std::map<std::uint32_t, Relay> relays_;
  std::map<std::string, Duration, std::less<>> rtt_;
  std::map<std::string, TimePoint, std::less<>> refusal_probed_;  // last refusal-driven probe
};

}  // namespace hearsay::membership
