// Errors the tools report to the user as one line, and the exit codes every
// demo program shares: 2 for bad usage, 1 for any other failure.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hearsay::tools {

// Bad input from the user: an unknown flag, a malformed value, a bad config
// file. Reported as "<program>: error: <what>", exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Prints "<program>: error: <message>" on stderr (stdout flushed first, so
// the line comes last) and returns `code`.
int report_error(std::string_view program, const std::string& message, int code);

// Runs a program's main body and returns its exit code: what `body` returns,
// or, when it throws, one line from report_error with kExitUsage for a
// UsageError or hearsay::ConfigError and kExitFailure for anything else.
int run_main(std::string_view program, const std::function<int()>& body);

}  // namespace hearsay::tools
