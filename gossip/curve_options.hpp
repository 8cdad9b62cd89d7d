// The node's keys (Config) as the transport's CURVE options.
#pragma once

#include <optional>

#include "gossip/zmq_transport.hpp"
#include "hearsay/config.hpp"

namespace hearsay::gossip {

// None without cluster_key. Every node serves with the cluster key and dials
// with its node key (or the cluster key); the allow-list admits the
// configured keys, the cluster key and this node's own key; each extra
// cluster key (rotation) is a further choice to dial with and is admitted.
std::optional<CurveOptions> curve_options(const Config& c);

}  // namespace hearsay::gossip
