// Bounded waits for the integration tests: poll a condition until it holds or
// a deadline passes. Real sockets and threads give no virtual clock to step.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace hearsay::testing {

// True as soon as `pred` holds; false if it still fails after `limit`.
// `every_round` (optional) runs before each check, e.g. to pump transports.
inline bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit,
                       const std::function<void()>& every_round = {}) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (every_round) every_round();
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

}  // namespace hearsay::testing
