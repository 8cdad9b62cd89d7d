// Stats: what a node counts and measures, with a Prometheus text rendering.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace hearsay {

struct Stats {
  // --- counters (only ever rise) ---
  std::map<std::string, std::uint64_t> messages_in;   // by message type ("ping", "ack", ...)
  std::map<std::string, std::uint64_t> messages_out;  // by message type
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::map<std::string, std::uint64_t> dropped;  // inbound, by reason ("truncated", ...)
  std::uint64_t send_dropped = 0;                // outbound: peer queue full, like a lost datagram
  std::uint64_t probes = 0;
  std::uint64_t indirect_probes = 0;
  std::uint64_t suspicions = 0;
  std::uint64_t refutations = 0;
  std::uint64_t deaths_declared = 0;
  std::uint64_t syncs = 0;
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_closed = 0;
  std::uint64_t callback_errors = 0;  // exceptions thrown by watch callbacks
  std::uint64_t commands_rejected =
      0;  // advertise() etc. refused on the node thread (a race with limits)
  std::uint64_t peer_disconnects = 0;    // peers' connections closed (failure hints)
  std::uint64_t zap_denied = 0;          // inbound CURVE clients refused by the allow-list
  std::uint64_t handshake_failures = 0;  // outbound CURVE handshakes that failed
  std::uint64_t key_switches = 0;        // peers redialled with another cluster key (rotation)
  std::uint64_t queued_lost = 0;         // sends lost with a connection closed before its handshake

  // --- gauges ---
  std::uint64_t members_alive = 0;
  std::uint64_t members_suspect = 0;
  std::uint64_t members_dead = 0;
  std::uint64_t members_left = 0;
  std::uint64_t awareness = 0;        // Lifeguard health score, 0 is healthy
  std::uint64_t broadcast_queue = 0;  // news waiting to be piggybacked
  std::uint64_t command_queue = 0;    // user calls waiting for the node thread
  std::uint64_t outbound_connections = 0;

  // Prometheus text exposition format (version 0.0.4), metric names prefixed
  // "hearsay_", labelled by type/reason where the field is a map.
  std::string to_prometheus() const;
};

}  // namespace hearsay
