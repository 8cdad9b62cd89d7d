// Names of the public enums.
#include "hearsay/service.hpp"

namespace hearsay {

std::string_view to_string(Health h) noexcept {
  switch (h) {
    case Health::passing:
      return "passing";
    case Health::warning:
      return "warning";
    case Health::critical:
      return "critical";
  }
  return "unknown";
}

std::optional<Health> parse_health(std::string_view s) noexcept {
  if (s == "passing") return Health::passing;
  if (s == "warning") return Health::warning;
  if (s == "critical") return Health::critical;
  return std::nullopt;
}

std::string_view to_string(MemberState s) noexcept {
  switch (s) {
    case MemberState::alive:
      return "alive";
    case MemberState::suspect:
      return "suspect";
    case MemberState::dead:
      return "dead";
    case MemberState::left:
      return "left";
  }
  return "unknown";
}

}  // namespace hearsay
