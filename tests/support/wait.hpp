// Bounded waits for tests on real sockets, threads and processes: there is no
// virtual clock to step, so a test polls a condition until it holds or a
// deadline passes. The limit is a bound, not a pace: callers pass generous
// limits because the test machine may be loaded.
#pragma once

#include <chrono>
#include <functional>

namespace hearsay::test_support {

// How long to wait when a test does not say.
inline constexpr std::chrono::milliseconds kDefaultWait{20'000};

// True as soon as `pred` holds; false if it still does not after `limit`.
// `every_round` (optional) runs before each check, e.g. to pump transports.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = kDefaultWait,
                const std::function<void()>& every_round = {});

// True if `pred` holds at every check for the whole of `span`; false as soon
// as it does not (for "nothing happens" claims, which no event can end).
bool holds_for(const std::function<bool()>& pred, std::chrono::milliseconds span);

}  // namespace hearsay::test_support
