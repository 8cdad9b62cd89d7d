// Log-scaled protocol limits as pure functions, so they can be tested and
// plotted on their own (memberlist's util.go has the same shapes).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "membership/time.hpp"

namespace hearsay::membership {

// How many times one broadcast is sent: mult * ceil(log10(n + 1)).
inline int retransmit_limit(int mult, std::size_t n) {
  const auto scale = static_cast<int>(std::ceil(std::log10(static_cast<double>(n) + 1.0)));
  return mult * std::max(scale, 1);
}

// Lifeguard's floor on the suspicion timeout: mult * log10(max(n, 1)) * interval,
// never below one interval so tiny clusters still wait a little.
inline Duration suspicion_min_timeout(int mult, std::size_t n, Duration probe_interval) {
  const double scale = std::max(1.0, std::log10(std::max(1.0, static_cast<double>(n))));
  return std::chrono::duration_cast<Duration>(probe_interval * (mult * scale));
}

}  // namespace hearsay::membership
