// Jitter for first timer deadlines, so nodes started together do not tick in
// lockstep: uniform in [0, d).
#pragma once

#include <algorithm>
#include <cstdint>

#include "membership/rng.hpp"
#include "membership/time.hpp"

namespace hearsay::membership {

inline Duration jitter(Rng& rng, Duration d) {
  const auto span = static_cast<std::uint64_t>(std::max<Duration::rep>(d.count(), 1));
  return Duration{static_cast<Duration::rep>(rng.uniform(span))};
}

}  // namespace hearsay::membership
