#include "tests/support/wait.hpp"

#include <thread>

namespace hearsay::test_support {

namespace {

using Clock = std::chrono::steady_clock;

// Between two checks: short enough not to add latency to a test, long
// enough not to starve the threads being waited for.
constexpr std::chrono::milliseconds kPollEvery{5};

}  // namespace

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit,
                const std::function<void()>& every_round) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (every_round) every_round();
    if (pred()) return true;
    std::this_thread::sleep_for(kPollEvery);
  }
  if (every_round) every_round();
  return pred();
}

bool holds_for(const std::function<bool()>& pred, std::chrono::milliseconds span) {
  const auto end = Clock::now() + span;
  while (Clock::now() < end) {
    if (!pred()) return false;
    std::this_thread::sleep_for(kPollEvery);
  }
  return pred();
}

}  // namespace hearsay::test_support
