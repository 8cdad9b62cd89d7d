// Config: everything a hearsay::Node needs. The protocol's own tunables
// (timers, fan-outs, limits, cluster id) come from ProtocolParams, whose
// defaults are memberlist's LAN profile; Config adds the node's identity and
// endpoints, keys, its connection pool, initial services and log callback.
// validate() names the field and the reason of the first problem it finds;
// nothing in hearsay runs on a config that fails it.
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
#include "hearsay/protocol_params.hpp"
#include "hearsay/service.hpp"

namespace hearsay {

struct Config : ProtocolParams {
  // --- identity and addressing ---
  std::string name;                // unique in the cluster; required
  std::string bind;                // where the node listens (ZeroMQ endpoint)
  std::string advertise;           // what peers dial; empty means `bind`
  std::vector<std::string> seeds;  // endpoints to join through

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
  std::chrono::milliseconds leave_timeout{
      3000};                          // the destructor waits this long for a leave to spread
  std::size_t max_connections = 128;  // outbound connection pool (LRU)
  // Outbound connections unused this long are closed, but never sooner than
  // two rounds of the probe schedule (2 x live members x probe_interval):
  // every member is probed once a round, and a connection closed between
  // two probes costs a TCP and ZMTP handshake per probe.
  std::chrono::milliseconds idle_connection_close{60000};
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

  // Throws ConfigError naming the first bad field and why.
  void validate() const;
};

}  // namespace hearsay
