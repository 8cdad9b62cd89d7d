// DropReason: why an inbound message was not trusted. The core counts drops
// per reason; nothing from the network is ever logged-and-forgotten.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hearsay::membership::wire {

enum class DropReason : std::uint8_t {
  none = 0,         // not dropped
  truncated,        // bytes end inside a msgpack value
  malformed,        // not msgpack, or trailing garbage
  bad_magic,        // not a hearsay message
  bad_version,      // protocol version we do not speak
  foreign_cluster,  // another cluster's traffic
  wrong_type,       // a field has the wrong msgpack type
  oversized,        // a message, string, array or service set over its limit
  unknown_type,     // message type we do not know
  invalid_value,    // a field's value is out of range (e.g. state 9)
  unexpected,       // well-formed but makes no sense here (e.g. ack nobody waits for)
};
inline constexpr std::size_t kDropReasonCount = 11;

std::string_view to_string(DropReason r) noexcept;

}  // namespace hearsay::membership::wire
