// Events a node reports as its view of the cluster changes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hearsay {

enum class MemberEventType : std::uint8_t { join, suspect, alive, dead, left, updated };

std::string_view to_string(MemberEventType t) noexcept;

// A member changed state as this node sees it. `updated` means the member's
// service set (or endpoint) changed while it stayed alive.
struct MemberEvent {
  MemberEventType type = MemberEventType::join;
  std::string name;
  std::string endpoint;
};

}  // namespace hearsay
