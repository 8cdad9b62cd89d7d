// Awareness: Lifeguard's local health score, 0 (healthy) .. max-1.
//
// A node that misses expected nacks, or has to refute suspicions of itself,
// is probably the slow one: it raises its score, which stretches its probe
// interval and timeout so it accuses others less eagerly.
#pragma once

#include <algorithm>

#include "membership/time.hpp"

namespace hearsay::membership {

class Awareness {
 public:
  explicit Awareness(int max) : max_(max) {}

  void apply_delta(int delta) { score_ = std::clamp(score_ + delta, 0, max_ - 1); }
  int score() const { return score_; }
  Duration scale(Duration d) const { return d * (score_ + 1); }

 private:
  int max_;
  int score_ = 0;
};

}  // namespace hearsay::membership
