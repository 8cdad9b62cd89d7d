// ProtocolParams profiles and validation.
#include "hearsay/protocol_params.hpp"

#include "hearsay/errors.hpp"

namespace hearsay {

using std::chrono::milliseconds;

ProtocolParams ProtocolParams::lan() {
  return ProtocolParams{};
}

// memberlist's DefaultWANConfig.
ProtocolParams ProtocolParams::wan() {
  ProtocolParams p;
  p.probe_interval = milliseconds{5000};
  p.probe_timeout = milliseconds{3000};
  p.suspicion_mult = 6;
  p.gossip_interval = milliseconds{500};
  p.gossip_fanout = 4;
  p.gossip_rate_per_s = 8;
  p.sync_interval = milliseconds{60000};
  p.gossip_to_the_dead = milliseconds{60000};
  p.sync_mismatch_grace = milliseconds{3000};
  return p;
}

// Faster timers for a cluster on one host: loopback latency is microseconds.
ProtocolParams ProtocolParams::local() {
  ProtocolParams p;
  p.probe_interval = milliseconds{500};
  p.probe_timeout = milliseconds{200};
  p.suspicion_mult = 3;
  p.gossip_interval = milliseconds{100};
  p.gossip_rate_per_s = 30;
  p.sync_interval = milliseconds{10000};
  p.gossip_to_the_dead = milliseconds{10000};
  p.sync_mismatch_grace = milliseconds{500};
  p.reconnect_interval = milliseconds{5000};
  p.rejoin_interval = milliseconds{5000};
  p.join_retry_max = milliseconds{5000};
  return p;
}

namespace {

void require(bool ok, const char* field, const char* reason) {
  if (!ok) throw ConfigError(field, reason);
}

}  // namespace

void ProtocolParams::validate() const {
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
  require(gossip_rate_per_s >= 1 && gossip_rate_per_s <= 1000, "gossip_rate_per_s",
          "must be in 1..1000");
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
}

}  // namespace hearsay
