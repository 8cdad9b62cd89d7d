// Context: what every part of one node's protocol engine shares — its
// parameters and identity, the member table and the registry derived from
// it, the random generator, Lifeguard's awareness score, the news waiting to
// be piggybacked, the counters, and whether the node is leaving.
//
// The Core owns one Context and the parts (probe cycle, merging, dissemination,
// anti-entropy, service pulls, peer selection, outbox); each part keeps its
// own state and reaches the shared state through the Context.
#pragma once

#include <cstdint>
#include <string>

#include "hearsay/protocol_params.hpp"
#include "membership/awareness.hpp"
#include "membership/broadcast_queue.hpp"
#include "membership/core_stats.hpp"
#include "membership/limits.hpp"
#include "membership/member_table.hpp"
#include "membership/registry_view.hpp"
#include "membership/rng.hpp"

namespace hearsay::membership {

struct Identity {
  std::string name;
  std::string endpoint;          // what peers send to
  std::uint64_t generation = 0;  // start-up wall-clock ms in production
};

// How the driver's transport delivers messages to one peer: as datagrams,
// each lost or not on its own (UDP, the simulator's loss model), or over a
// stream, in order, a lost packet retransmitted rather than a message lost
// (TCP under ZeroMQ). Repeating a ping helps only the first: over a stream the
// repeat waits behind the ping it repeats.
enum class Delivery { datagrams, streams };

struct Context {
  Context(const ProtocolParams& p, Identity id, std::uint64_t seed, Delivery d)
      : params(p), self(std::move(id)), delivery(d), rng(seed), awareness(p.awareness_max) {}

  const ProtocolParams params;
  const Identity self;
  const Delivery delivery;
  Rng rng;
  MemberTable table;
  RegistryView registry;
  Awareness awareness;
  BroadcastQueue broadcasts;
  CoreStats stats;
  bool leaving = false;

  const Member& me() const { return *table.find(self.name); }
  // How often one piece of news is sent, for the cluster as we see it now.
  int retransmit_limit() const {
    return membership::retransmit_limit(params.retransmit_mult, table.live_count());
  }
};

}  // namespace hearsay::membership
