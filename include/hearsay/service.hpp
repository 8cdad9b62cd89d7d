// Service records: what a node advertises about the services it runs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearsay {

enum class Health : std::uint8_t { passing = 0, warning = 1, critical = 2 };

std::string_view to_string(Health h) noexcept;
// Parses "passing", "warning", "critical"; nullopt otherwise.
std::optional<Health> parse_health(std::string_view s) noexcept;

struct Service {
  std::string name;      // e.g. "payments"; many instances share a name
  std::string id;        // unique per node, e.g. "payments-7"
  std::string endpoint;  // where clients reach this instance
  std::vector<std::string> tags{};
  std::map<std::string, std::string> meta{};
  Health health = Health::passing;
  std::uint32_t weight = 1;  // relative share for weighted pickers

  friend bool operator==(const Service&, const Service&) = default;
};

// Lifecycle states of a member as one node sees it.
enum class MemberState : std::uint8_t { alive = 0, suspect = 1, dead = 2, left = 3 };

std::string_view to_string(MemberState s) noexcept;

}  // namespace hearsay
