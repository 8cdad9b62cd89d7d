// ProtocolParams: the tunables of the membership protocol itself — timers,
// fan-outs, limits and the cluster id. hearsay::Config extends it with what
// only a running node needs (identity, endpoints, keys, connection pool, log).
//
// Defaults equal HashiCorp memberlist's LAN profile (DefaultLANConfig), so that
// comparisons with memberlist and Serf are made at equal message budgets;
// wan() mirrors memberlist's WAN profile and local() uses faster timers for
// single-host demos and tests.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace hearsay {

struct ProtocolParams {
  std::string cluster_id = "default";  // foreign-cluster traffic is dropped

  // --- failure detection (SWIM + Lifeguard) ---
  std::chrono::milliseconds probe_interval{1000};
  std::chrono::milliseconds probe_timeout{500};
  int indirect_checks = 3;             // helpers asked to ping-req a silent member
  int suspicion_mult = 4;              // min timeout = mult * log10(n) * probe_interval
  int suspicion_max_timeout_mult = 6;  // max timeout = this * min timeout
  int awareness_max = 8;               // Lifeguard local health score ceiling

  // --- dissemination ---
  std::chrono::milliseconds gossip_interval{200};
  int gossip_fanout = 3;
  int retransmit_mult = 4;  // sends per broadcast = mult * ceil(log10(n+1))
  std::chrono::milliseconds gossip_to_the_dead{30000};  // dead members still get gossip this long
  std::chrono::milliseconds forward_coalesce{5};  // eager forwarding: wait this long to batch news
  // Gossip messages (periodic and eager) per second, sustained: by default
  // what memberlist's periodic gossip sends at most (fanout per interval).
  int gossip_rate_per_s = 15;
  std::size_t payload_budget_bytes = 1400;  // piggybacked broadcasts per message

  // --- anti-entropy and re-merge ---
  std::chrono::milliseconds sync_interval{30000};
  std::chrono::milliseconds sync_mismatch_grace{1000};  // lasting digest mismatch -> pull
  std::chrono::milliseconds reconnect_interval{30000};  // retry one dead member this often
  std::chrono::milliseconds rejoin_interval{30000};     // re-join seeds while the view shrank
  std::chrono::milliseconds tombstone_timeout{24LL * 3600 * 1000};  // forget dead/left after
  std::chrono::milliseconds join_retry_max{30000};  // backoff ceiling for join attempts

  // --- limits ---
  std::size_t max_message_bytes = 4u << 20;         // inbound messages larger are dropped
  std::size_t max_services_bytes = 64u << 10;       // encoded service set per node
  std::size_t max_service_record_bytes = 8u << 10;  // one encoded service record
  std::size_t max_services = 1024;                  // records per node

  // Named profiles.
  static ProtocolParams lan();
  static ProtocolParams wan();
  static ProtocolParams local();

  // Throws ConfigError naming the first bad field and why.
  void validate() const;
};

}  // namespace hearsay
