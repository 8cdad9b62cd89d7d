// Config: every tunable of a hearsay node, with named profiles.
//
// Defaults equal HashiCorp memberlist's LAN profile (DefaultLANConfig), so that
// comparisons with memberlist and Serf are made at equal message budgets. wan()
// mirrors memberlist's WAN profile; local() uses faster timers for single-host
// demos and tests. validate() names the field and the reason of the first
// problem it finds; nothing in hearsay runs on a config that fails it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hearsay/keys.hpp"
#include "hearsay/log.hpp"
#include "hearsay/service.hpp"

namespace hearsay {

using std::chrono::milliseconds;

struct Config {
  // --- identity and addressing ---
  std::string name;                    // unique in the cluster; required
  std::string bind;                    // where the node listens (ZeroMQ endpoint)
  std::string advertise;               // what peers dial; empty means `bind`
  std::vector<std::string> seeds;      // endpoints to join through
  std::string cluster_id = "default";  // foreign-cluster traffic is dropped

  // --- failure detection (SWIM + Lifeguard) ---
  milliseconds probe_interval{1000};
  milliseconds probe_timeout{500};
  int indirect_checks = 3;             // helpers asked to ping-req a silent member
  int suspicion_mult = 4;              // min timeout = mult * log10(n) * probe_interval
  int suspicion_max_timeout_mult = 6;  // max timeout = this * min timeout
  int awareness_max = 8;               // Lifeguard local health score ceiling

  // --- dissemination ---
  milliseconds gossip_interval{200};
  int gossip_fanout = 3;
  int retransmit_mult = 4;                  // sends per broadcast = mult * ceil(log10(n+1))
  milliseconds gossip_to_the_dead{30000};   // dead members still get gossip this long
  milliseconds forward_coalesce{5};         // eager forwarding: wait this long to batch news
  int forward_rate_per_s = 50;              // eager forwarding: at most this many sends/s
  std::size_t payload_budget_bytes = 1400;  // piggybacked broadcasts per message

  // --- anti-entropy and re-merge ---
  milliseconds sync_interval{30000};
  milliseconds sync_mismatch_grace{1000};              // lasting digest mismatch -> pull
  milliseconds reconnect_interval{30000};              // retry one dead member this often
  milliseconds rejoin_interval{30000};                 // re-join seeds while the view shrank
  milliseconds tombstone_timeout{24LL * 3600 * 1000};  // forget dead/left after
  milliseconds join_retry_max{30000};                  // backoff ceiling for join attempts

  // --- limits ---
  std::size_t max_message_bytes = 4u << 20;         // inbound messages larger are dropped
  std::size_t max_services_bytes = 64u << 10;       // encoded service set per node
  std::size_t max_service_record_bytes = 8u << 10;  // one encoded service record
  std::size_t max_services = 1024;                  // records per node

  // --- security (CurveZMQ); without cluster_key traffic is plain ---
  // The key every node serves with. Every node holds the pair: a process
  // without it can neither join nor inject messages.
  std::optional<KeyPair> cluster_key;
  // Optional per-node client key; peers admit it only if its public key is in
  // their allowed_keys. Without it the node authenticates with cluster_key.
  std::optional<KeyPair> node_key;
  std::vector<std::string> allowed_keys;  // extra client public keys admitted (Z85)
  // Key rotation (docs/security.md): further cluster keys this node also
  // accepts (their public keys are admitted as client keys) and dials peers
  // with, in order, when a peer's handshake with cluster_key fails. The node
  // still serves with cluster_key only. Needs cluster_key.
  std::vector<KeyPair> extra_cluster_keys;

  // --- runtime (hearsay::Node) ---
  milliseconds leave_timeout{3000};   // the destructor waits this long for a leave to spread
  std::size_t max_connections = 128;  // outbound connection pool (LRU)
  milliseconds idle_connection_close{60000};
  int send_queue_messages = 1000;  // per peer, before sends are dropped
  // Services the node advertises from the start (ids unique; the same limits
  // as Node::advertise apply, checked by validate()).
  std::vector<Service> services;
  // Optional: told about runtime faults (a watch callback that threw, a
  // transport error, a message from a peer the node cannot decode is only
  // counted). Called on the node thread; must not block or throw (an
  // exception is swallowed). Faults are counted in Node::stats() either way.
  LogFn log;

  // Named profiles.
  static Config lan();
  static Config wan();
  static Config local();

  // Throws ConfigError naming the first bad field and why. Identity fields
  // (name, bind) are checked only when check_identity is true: the protocol
  // core gets its identity from its driver.
  void validate(bool check_identity = true) const;
};

}  // namespace hearsay
