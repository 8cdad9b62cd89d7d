#include "gossip/curve_options.hpp"

namespace hearsay::gossip {

std::optional<CurveOptions> curve_options(const Config& c) {
  if (!c.cluster_key) return std::nullopt;
  CurveOptions o;
  o.server_public = c.cluster_key->public_key;
  o.server_secret = c.cluster_key->secret_key;
  const auto& client = c.node_key ? *c.node_key : *c.cluster_key;
  o.client_public = client.public_key;
  o.client_secret = client.secret_key;
  o.allowed_client_keys = c.allowed_keys;
  o.allowed_client_keys.push_back(c.cluster_key->public_key);
  if (c.node_key) o.allowed_client_keys.push_back(c.node_key->public_key);
  // Key rotation: peers may serve an extra cluster key instead; dial them with
  // it (and its pair as client key, or node_key), and admit its holders.
  for (const auto& extra : c.extra_cluster_keys) {
    const auto& key = c.node_key ? *c.node_key : extra;
    o.alternatives.push_back({extra.public_key, key.public_key, key.secret_key});
    o.allowed_client_keys.push_back(extra.public_key);
  }
  return o;
}

}  // namespace hearsay::gossip
