// Errors the tools report to the user as one line.
#pragma once

#include <stdexcept>
#include <string>

namespace hearsay::tools {

// Bad input from the user: an unknown flag, a malformed value, a bad config
// file. `hearsay` prints "hearsay: error: <what>" and exits 2 (any other
// failure exits 1).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace hearsay::tools
