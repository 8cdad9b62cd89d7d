#include "membership/suspicion.hpp"

#include <algorithm>
#include <cmath>

namespace hearsay::membership {

Suspicion::Suspicion(Incarnation inc, std::string from, int k, Duration min, Duration max,
                     TimePoint start)
    : inc_(inc), k_(k), min_(min), max_(std::max(min, max)), start_(start) {
  confirmers_.insert(std::move(from));
}

bool Suspicion::confirm(std::string_view from) {
  if (confirmations() >= k_) return false;
  return confirmers_.emplace(from).second;
}

Duration Suspicion::timeout(int confirmations, int k, Duration min, Duration max) {
  if (k <= 0) return min;
  const double frac =
      std::log(static_cast<double>(confirmations) + 1.0) / std::log(static_cast<double>(k) + 1.0);
  const auto span = std::chrono::duration<double>(max - min);
  const auto t =
      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(max) - span * frac);
  return std::max(min, t);
}

TimePoint Suspicion::deadline() const {
  return start_ + timeout(confirmations(), k_, min_, max_);
}

}  // namespace hearsay::membership
