// Durations written the way operators write them: 250ms, 1s, 1.5s, 2m, 1h.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace hearsay::tools {

// Throws UsageError ("'1x' is not a duration like 500ms, 2s, 1m") on
// anything else, including negative values.
std::chrono::milliseconds parse_duration(std::string_view text);

// The inverse, shortest unit that is exact: 1500ms -> "1.5s", 60000ms -> "1m".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace hearsay::tools
