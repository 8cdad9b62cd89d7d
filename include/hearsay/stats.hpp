// Stats: what a node counts and measures, with a Prometheus text rendering.
//
// Every counter and gauge is defined once, in the lists below, as
// X(name, help): Stats has one field per entry (read them as
// `stats.probes`), the protocol core, the transport and the node count into
// the same fields, and to_prometheus() writes each as hearsay_<name>_total
// (counters) or hearsay_<name> (gauges) with its help text. The lists are
// macros so that code can walk them too (e.g. to export to another metrics
// system):
//
//   #define PRINT(name, help) std::printf("%s %llu\n", #name, (unsigned long long)s.name);
//   HEARSAY_PROTOCOL_COUNTERS(PRINT)
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

// Counted by the protocol core.
#define HEARSAY_PROTOCOL_COUNTERS(X)                                                               \
  X(bytes_in, "Bytes received.")                                                                   \
  X(bytes_out, "Bytes sent.")                                                                      \
  X(probes, "Direct probes sent.")                                                                 \
  X(indirect_probes, "Indirect probe requests (ping-req) sent.")                                   \
  X(probes_failed, "Probes that ended without an ack, after their recheck rounds.")                \
  X(probe_rechecks,                                                                                \
    "Recheck rounds: a silent period for a member held alive, probed again before accusing.")      \
  X(stale_acks, "Acks that matched no probe in flight (late or duplicate), ignored.")              \
  X(relays_refused, "Ping-req requests refused: 1,024 already in flight for others.")              \
  X(failure_hints, "Closed connections to live members, probed next.")                             \
  X(refusals, "Connection attempts a live member's endpoint refused (ours or a helper's).")        \
  X(refusal_suspicions,                                                                            \
    "Suspicions raised on refusal evidence, with a short confirmation window.")                    \
  X(pauses_detected, "Times this node found it had not run for a while (stopped, paused).")        \
  X(suspicions, "Members moved to suspect, on our own evidence or on others'.")                    \
  X(suspicions_raised, "Suspicions raised by this node's own failed probes.")                      \
  X(refutations, "Times this node refuted a suspicion or death claim about itself.")               \
  X(deaths_declared, "Suspicion timeouts that declared a member dead here.")                       \
  X(news_applied, "Claims about members that changed this node's view.")                           \
  X(news_sent, "News items sent, piggybacked or in gossip messages.")                              \
  X(corrections_sent, "Replies to senders of refuted accusations with the member's newer record.") \
  X(syncs, "Anti-entropy syncs this node started (joins, digest mismatches, timers).")             \
  X(syncs_served, "Anti-entropy syncs this node answered with a summary.")                         \
  X(services_pulled, "Service sets received after being announced by version only.")

// Counted by the ZeroMQ transport.
#define HEARSAY_TRANSPORT_COUNTERS(X)                                                      \
  X(transport_sent, "Messages handed to a peer's connection queue.")                       \
  X(send_dropped, "Outbound messages dropped: a peer queue full, or no connection.")       \
  X(transport_received, "Messages read from the inbound socket.")                          \
  X(receive_dropped, "Inbound messages the transport dropped (multipart, socket errors).") \
  X(connections_opened, "Outbound connections opened.")                                    \
  X(connections_closed, "Outbound connections this node closed (idle, pool full, dead).")  \
  X(peer_disconnects, "Outbound connections closed by the peer or a stall (hints).")       \
  X(connect_refused, "Outbound connection attempts refused at once (nothing listening).")  \
  X(zap_denied, "Inbound CURVE clients refused by the key allow-list.")                    \
  X(handshake_failures, "Outbound connections whose handshake failed (keys, mechanism).")  \
  X(key_switches, "Peers redialled with another cluster key (key rotation).")              \
  X(queued_lost, "Sends lost with a connection closed before its handshake.")

// Counted by the node runtime.
#define HEARSAY_NODE_COUNTERS(X)                              \
  X(callback_errors, "Exceptions thrown by watch callbacks.") \
  X(sends_blocked, "Outbound messages dropped by Node::block_peers (fault injection).")

// Gauges: the value now.
#define HEARSAY_GAUGES(X)                                     \
  X(awareness, "Lifeguard local health score; 0 is healthy.") \
  X(broadcast_queue, "News waiting to be piggybacked.")       \
  X(command_queue, "User calls waiting for the node thread.") \
  X(outbound_connections, "Open outbound connections.")

// Members known to this node by state: fields members_<state>, rendered as
// one gauge hearsay_members{state="<state>"}.
#define HEARSAY_MEMBER_STATES(X) X(alive) X(suspect) X(dead) X(left)

namespace hearsay {

// Keys of Stats::messages_in and messages_out, one per message type.
inline constexpr std::array<std::string_view, 10> kMessageTypeNames = {
    "ping",     "ack",          "ping_req",  "nack",         "gossip",
    "sync_req", "sync_summary", "sync_pull", "sync_records", "services_pull"};
// Keys of Stats::dropped, one per reason the protocol drops an inbound message.
inline constexpr std::array<std::string_view, 10> kDropReasonNames = {
    "truncated",  "malformed", "bad_magic",    "bad_version",   "foreign_cluster",
    "wrong_type", "oversized", "unknown_type", "invalid_value", "unexpected"};

#define HEARSAY_STATS_FIELD(name, help) std::uint64_t name = 0;
#define HEARSAY_STATS_MEMBER_FIELD(state) std::uint64_t members_##state = 0;
struct ProtocolCounters {
  HEARSAY_PROTOCOL_COUNTERS(HEARSAY_STATS_FIELD)
};
struct TransportCounters {
  HEARSAY_TRANSPORT_COUNTERS(HEARSAY_STATS_FIELD)
};
struct NodeCounters {
  HEARSAY_NODE_COUNTERS(HEARSAY_STATS_FIELD)
};
struct Gauges {
  HEARSAY_GAUGES(HEARSAY_STATS_FIELD)
  HEARSAY_MEMBER_STATES(HEARSAY_STATS_MEMBER_FIELD)
};
#undef HEARSAY_STATS_FIELD
#undef HEARSAY_STATS_MEMBER_FIELD

struct Stats : ProtocolCounters, TransportCounters, NodeCounters, Gauges {
  // Counters by key: every key of kMessageTypeNames / kDropReasonNames is
  // present (0 until it happens).
  std::map<std::string, std::uint64_t> messages_in;   // by message type
  std::map<std::string, std::uint64_t> messages_out;  // by message type
  std::map<std::string, std::uint64_t> dropped;       // inbound, by reason

  // Prometheus text exposition format (version 0.0.4): every metric above,
  // prefixed "hearsay_", counters suffixed "_total", maps as one labelled
  // family each (type="...", reason="...").
  std::string to_prometheus() const;
};

}  // namespace hearsay
