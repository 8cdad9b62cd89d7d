// Time inside the protocol core. The core never reads a clock: drivers pass
// `now` in. The real runtime uses steady_clock; the simulator a virtual clock
// with the same representation, so one core serves both.
#pragma once

#include <chrono>

namespace hearsay::membership {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

inline constexpr TimePoint kNever = TimePoint::max();

}  // namespace hearsay::membership
