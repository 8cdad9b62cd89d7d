#include "hearsay/events.hpp"

namespace hearsay {

std::string_view to_string(MemberEventType t) noexcept {
  switch (t) {
    case MemberEventType::join:
      return "join";
    case MemberEventType::suspect:
      return "suspect";
    case MemberEventType::alive:
      return "alive";
    case MemberEventType::dead:
      return "dead";
    case MemberEventType::left:
      return "left";
    case MemberEventType::updated:
      return "updated";
  }
  return "unknown";
}

std::string_view to_string(ServiceEventType t) noexcept {
  switch (t) {
    case ServiceEventType::added:
      return "added";
    case ServiceEventType::updated:
      return "updated";
    case ServiceEventType::removed:
      return "removed";
  }
  return "unknown";
}

}  // namespace hearsay
