// Suspicion: Lifeguard's dynamic suspicion timeout for one suspected member.
//
// The timeout starts at `max` and shrinks logarithmically towards `min` as
// independent confirmations (suspicions of the same member by other nodes)
// arrive: after c of the k expected confirmations it is
//   max(min, max - (max - min) * log(c + 1) / log(k + 1)).
// Many independent accusers make a real failure likely, so we declare it
// sooner; a lone accuser (perhaps the slow one) waits long enough for the
// suspect to refute.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "membership/incarnation.hpp"
#include "membership/time.hpp"

namespace hearsay::membership {

class Suspicion {
 public:
  Suspicion(Incarnation inc, std::string from, int k, Duration min, Duration max, TimePoint start);

  // Records an independent confirmation; false if `from` already counted or
  // enough confirmations were seen.
  bool confirm(std::string_view from);
  TimePoint deadline() const;
  int confirmations() const { return static_cast<int>(confirmers_.size()) - 1; }
  const Incarnation& incarnation() const { return inc_; }
  // Shifts the deadline (the node itself was paused, its clock jumped).
  void postpone(Duration d) { start_ += d; }

  static Duration timeout(int confirmations, int k, Duration min, Duration max);

 private:
  Incarnation inc_;
  std::set<std::string, std::less<>> confirmers_;  // includes the first accuser
  int k_;
  Duration min_;
  Duration max_;
  TimePoint start_;
};

}  // namespace hearsay::membership
