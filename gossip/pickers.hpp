// Pickers: choosing one instance among candidates, for client-side discovery.
// Pure functions over a candidate list; randomness and round-robin position
// come in as arguments so they are testable and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "hearsay/registry.hpp"
#include "membership/rng.hpp"

namespace hearsay::gossip {

// Index into `candidates` of the chosen instance; nullopt if empty.
// `turn` is the round-robin position (any value; taken modulo size).
std::optional<std::size_t> pick_index(std::span<const Instance> candidates, Pick how,
                                      std::string_view key, membership::Rng& rng,
                                      std::uint64_t turn);

// The load an instance publishes in meta["load"]; +inf if absent or not a number.
double published_load(const Instance& i);

}  // namespace hearsay::gossip
