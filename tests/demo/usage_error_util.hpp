// Checking the demo programs' refusals: a UsageError carries one line.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "demo/common/errors.hpp"

namespace hearsay::tools {

// The message of the UsageError `run` throws, checked to be one line; a test
// failure naming `input` (and "") when it throws none.
inline std::string usage_error_of(const std::function<void()>& run, const std::string& input) {
  try {
    run();
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    return what;
  }
  ADD_FAILURE() << "accepted: " << input;
  return {};
}

}  // namespace hearsay::tools
