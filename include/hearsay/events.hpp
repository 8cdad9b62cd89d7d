// Events a node reports as its view of the cluster changes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hearsay/registry.hpp"

namespace hearsay {

enum class MemberEventType : std::uint8_t { join, suspect, alive, dead, left, updated };

std::string_view to_string(MemberEventType t) noexcept;

// A member changed state as this node sees it:
// - join: a member appeared — new to this node, or back after this node held
//   it dead or left (a restart, a healed partition): "back from dead" is a
//   join too;
// - suspect / alive: suspected, and cleared of the suspicion;
// - dead / left: declared dead, or left on purpose;
// - updated: its service set (or endpoint) changed while it stayed alive.
struct MemberEvent {
  MemberEventType type = MemberEventType::join;
  std::string name;
  std::string endpoint;
};

// An instance of a watched service appeared, changed (health, endpoint, tags,
// meta, weight, or its member's state) or went away (withdrawn, or its member
// is dead or left). `instance` is the new state, or the last one for removed.
enum class ServiceEventType : std::uint8_t { added, updated, removed };

std::string_view to_string(ServiceEventType t) noexcept;

struct ServiceEvent {
  ServiceEventType type = ServiceEventType::added;
  Instance instance;
};

}  // namespace hearsay
