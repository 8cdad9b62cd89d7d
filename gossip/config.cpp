// Config: the node's profiles and validation. The protocol's part is checked
// by ProtocolParams::validate(); this adds identity, keys and runtime fields.
#include "hearsay/config.hpp"

#include <string>

#include "hearsay/errors.hpp"
#include "membership/service_set.hpp"
#include "membership/z85.hpp"

namespace hearsay {

namespace {

Config with_protocol(const ProtocolParams& p) {
  Config c;
  static_cast<ProtocolParams&>(c) = p;
  return c;
}

void require(bool ok, const char* field, const std::string& reason) {
  if (!ok) throw ConfigError(field, reason);
}

// The transports a node can listen on and dial (docs/api.md).
bool valid_endpoint(const std::string& e) {
  const auto scheme = e.find("://");
  if (scheme == std::string::npos || scheme == 0 || scheme + 3 >= e.size()) return false;
  const auto proto = e.substr(0, scheme);
  return proto == "tcp" || proto == "ipc";
}

void check_identity(const Config& c) {
  require(!c.name.empty(), "name", "must not be empty");
  require(c.name.size() <= 255, "name", "must be at most 255 bytes");
  require(valid_endpoint(c.bind), "bind",
          "'" + c.bind + "' is not an endpoint like tcp://host:port or ipc://path");
  require(c.advertise.empty() || valid_endpoint(c.advertise), "advertise",
          "'" + c.advertise + "' is not an endpoint like tcp://host:port or ipc://path");
  for (const auto& s : c.seeds)
    require(valid_endpoint(s), "seeds", "'" + s + "' is not an endpoint like tcp://host:port");
}

void check_pair(const std::optional<KeyPair>& k, const char* field) {
  if (!k) return;
  require(membership::is_z85_key(k->public_key), field, "public_key must be 40 Z85 characters");
  require(membership::is_z85_key(k->secret_key), field, "secret_key must be 40 Z85 characters");
}

void check_keys(const Config& c) {
  check_pair(c.cluster_key, "cluster_key");
  check_pair(c.node_key, "node_key");
  require(!c.node_key || c.cluster_key, "node_key", "needs cluster_key (the key nodes serve with)");
  for (const auto& k : c.extra_cluster_keys) {
    check_pair(k, "extra_cluster_keys");
    require(!c.cluster_key || k.public_key != c.cluster_key->public_key, "extra_cluster_keys",
            "must not repeat cluster_key");
  }
  require(c.extra_cluster_keys.empty() || c.cluster_key, "extra_cluster_keys",
          "needs cluster_key (the key nodes serve with)");
  for (const auto& k : c.allowed_keys)
    require(membership::is_z85_key(k), "allowed_keys", "'" + k + "' is not 40 Z85 characters");
}

void check_runtime(const Config& c) {
  require(c.leave_timeout.count() >= 0, "leave_timeout", "must not be negative");
  require(c.max_connections >= 1, "max_connections", "must be at least 1");
  require(c.idle_connection_close.count() > 0, "idle_connection_close", "must be positive");
  require(c.send_queue_messages >= 1, "send_queue_messages", "must be at least 1");
  membership::checked_services(c.services, c);
}

}  // namespace

Config Config::lan() {
  return with_protocol(ProtocolParams::lan());
}
Config Config::wan() {
  return with_protocol(ProtocolParams::wan());
}
Config Config::local() {
  return with_protocol(ProtocolParams::local());
}

void Config::validate() const {
  check_identity(*this);
  ProtocolParams::validate();
  check_keys(*this);
  check_runtime(*this);
}

}  // namespace hearsay
