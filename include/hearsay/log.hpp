// Log callback: how a node tells its host about runtime faults it survived.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace hearsay {

enum class LogLevel : std::uint8_t { debug = 0, info = 1, warning = 2, error = 3 };

std::string_view to_string(LogLevel l) noexcept;

// `message` is one line without a trailing newline, valid during the call.
using LogFn = std::function<void(LogLevel level, std::string_view message)>;

}  // namespace hearsay
