// Incarnation: how fresh a member's own claim about itself is.
//
// A pair (generation, counter). The generation is taken when the node starts
// (wall-clock milliseconds), so a restarted node outranks everything the
// cluster remembers of its previous life at once. The counter rises each time
// the node refutes a suspicion or changes its own record. Only the node itself
// ever raises either part.
#pragma once

#include <compare>
#include <cstdint>

namespace hearsay::membership {

struct Incarnation {
  std::uint64_t generation = 0;
  std::uint64_t counter = 0;

  friend auto operator<=>(const Incarnation&, const Incarnation&) = default;

  // The incarnation a node claims to refute a claim `heard` about itself.
  // A claim from a later generation than ours can only come from a name
  // clash or a clock step; we adopt its generation so the refutation wins.
  Incarnation refuting(const Incarnation& heard) const noexcept {
    if (heard.generation < generation) return {generation, counter + 1};
    if (heard.generation > generation) return {heard.generation, heard.counter + 1};
    const auto base = heard.counter > counter ? heard.counter : counter;
    return {generation, base + 1};
  }
};

}  // namespace hearsay::membership
