// The public Stats of a node, from its parts: the core's and the transport's
// counters are the public counter structs (hearsay/stats.hpp) and are copied
// whole; the core's per-type and per-reason arrays become maps keyed by
// their public names; gauges are read off the core now.
#pragma once

#include <cstdint>

#include "gossip/zmq_transport.hpp"
#include "hearsay/stats.hpp"
#include "membership/core.hpp"

namespace hearsay::gossip {

Stats collect_stats(const membership::Core& core, const TransportStats& transport,
                    const NodeCounters& node, std::uint64_t command_queue);

}  // namespace hearsay::gossip
