// Config profiles and validation.
#include "hearsay/config.hpp"

#include <string>

#include "hearsay/errors.hpp"
#include "membership/service_set.hpp"

namespace hearsay {

Config Config::lan() {
  return Config{};
}

// memberlist's DefaultWANConfig.
Config Config::wan() {
  Config c;
  c.probe_interval = milliseconds{5000};
  c.probe_timeout = milliseconds{3000};
  c.suspicion_mult = 6;
  c.gossip_interval = milliseconds{500};
  c.gossip_fanout = 4;
  c.sync_interval = milliseconds{60000};
  c.gossip_to_the_dead = milliseconds{60000};
  c.sync_mismatch_grace = milliseconds{3000};
  return c;
}

// Faster timers for a cluster on one host: loopback latency is microseconds.
Config Config::local() {
  Config c;
  c.probe_interval = milliseconds{500};
  c.probe_timeout = milliseconds{200};
  c.suspicion_mult = 3;
  c.gossip_interval = milliseconds{100};
  c.sync_interval = milliseconds{10000};
  c.gossip_to_the_dead = milliseconds{10000};
  c.sync_mismatch_grace = milliseconds{500};
  c.reconnect_interval = milliseconds{5000};
  c.rejoin_interval = milliseconds{5000};
  c.join_retry_max = milliseconds{5000};
  return c;
}

namespace {

void require(bool ok, const char* field, const std::string& reason) {
  if (!ok) throw ConfigError(field, reason);
}

bool valid_endpoint(const std::string& e) {
  const auto scheme = e.find("://");
  if (scheme == std::string::npos || scheme == 0 || scheme + 3 >= e.size()) return false;
  const auto proto = e.substr(0, scheme);
  return proto == "tcp" || proto == "ipc" || proto == "inproc" || proto == "sim";
}

}  // namespace

void Config::validate(bool check_identity) const {
  if (check_identity) {
    require(!name.empty(), "name", "must not be empty");
    require(name.size() <= 255, "name", "must be at most 255 bytes");
    require(valid_endpoint(bind), "bind",
            "'" + bind + "' is not an endpoint like tcp://host:port or ipc://path");
    require(advertise.empty() || valid_endpoint(advertise), "advertise",
            "'" + advertise + "' is not an endpoint like tcp://host:port or ipc://path");
    for (const auto& s : seeds)
      require(valid_endpoint(s), "seeds", "'" + s + "' is not an endpoint like tcp://host:port");
  }
  require(cluster_id.size() <= 255, "cluster_id", "must be at most 255 bytes");
  require(probe_interval.count() > 0, "probe_interval", "must be positive");
  require(probe_timeout.count() > 0, "probe_timeout", "must be positive");
  require(probe_timeout < probe_interval, "probe_timeout", "must be shorter than probe_interval");
  require(indirect_checks >= 0 && indirect_checks <= 16, "indirect_checks", "must be in 0..16");
  require(suspicion_mult >= 1 && suspicion_mult <= 100, "suspicion_mult", "must be in 1..100");
  require(suspicion_max_timeout_mult >= 1 && suspicion_max_timeout_mult <= 100,
          "suspicion_max_timeout_mult", "must be in 1..100");
  require(awareness_max >= 1 && awareness_max <= 64, "awareness_max", "must be in 1..64");
  require(gossip_interval.count() > 0, "gossip_interval", "must be positive");
  require(gossip_fanout >= 1 && gossip_fanout <= 64, "gossip_fanout", "must be in 1..64");
  require(retransmit_mult >= 1 && retransmit_mult <= 100, "retransmit_mult", "must be in 1..100");
  require(gossip_to_the_dead.count() >= 0, "gossip_to_the_dead", "must not be negative");
  require(forward_coalesce.count() >= 0, "forward_coalesce", "must not be negative");
  require(forward_rate_per_s >= 0, "forward_rate_per_s",
          "must not be negative (0 disables eager forwarding)");
  require(payload_budget_bytes >= 128, "payload_budget_bytes", "must be at least 128");
  require(sync_interval.count() > 0, "sync_interval", "must be positive");
  require(sync_mismatch_grace.count() >= 0, "sync_mismatch_grace", "must not be negative");
  require(reconnect_interval.count() > 0, "reconnect_interval", "must be positive");
  require(rejoin_interval.count() > 0, "rejoin_interval", "must be positive");
  require(tombstone_timeout >= gossip_to_the_dead, "tombstone_timeout",
          "must be at least gossip_to_the_dead");
  require(join_retry_max.count() > 0, "join_retry_max", "must be positive");
  require(max_message_bytes >= 1024, "max_message_bytes", "must be at least 1024");
  require(max_service_record_bytes >= 64, "max_service_record_bytes", "must be at least 64");
  require(max_services_bytes >= max_service_record_bytes, "max_services_bytes",
          "must be at least max_service_record_bytes");
  require(max_services_bytes + 4096 <= max_message_bytes, "max_services_bytes",
          "must leave 4 KiB of max_message_bytes for the rest of a message");
  require(max_services >= 1, "max_services", "must be at least 1");
  const auto check_pair = [](const std::optional<KeyPair>& k, const char* field) {
    if (!k) return;
    require(is_z85_key(k->public_key), field, "public_key must be 40 Z85 characters");
    require(is_z85_key(k->secret_key), field, "secret_key must be 40 Z85 characters");
  };
  check_pair(cluster_key, "cluster_key");
  check_pair(node_key, "node_key");
  require(!node_key || cluster_key, "node_key", "needs cluster_key (the key nodes serve with)");
  for (const auto& k : extra_cluster_keys) {
    check_pair(k, "extra_cluster_keys");
    require(!cluster_key || k.public_key != cluster_key->public_key, "extra_cluster_keys",
            "must not repeat cluster_key");
  }
  require(extra_cluster_keys.empty() || cluster_key, "extra_cluster_keys",
          "needs cluster_key (the key nodes serve with)");
  for (const auto& k : allowed_keys)
    require(is_z85_key(k), "allowed_keys", "'" + k + "' is not 40 Z85 characters");
  require(leave_timeout.count() >= 0, "leave_timeout", "must not be negative");
  require(max_connections >= 1, "max_connections", "must be at least 1");
  require(idle_connection_close.count() > 0, "idle_connection_close", "must be positive");
  require(send_queue_messages >= 1, "send_queue_messages", "must be at least 1");
  std::vector<Service> set;
  for (const auto& s : services) {
    for (const auto& have : set)
      require(have.id != s.id, "services", "duplicate service id '" + s.id + "'");
    set = membership::with_service(std::move(set), s, *this);
  }
}

}  // namespace hearsay
