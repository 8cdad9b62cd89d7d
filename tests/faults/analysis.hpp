// Figures from the agents' own records (pure functions over Events, so the
// unit tests in analysis_test.cpp can check them on hand-made timelines).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/faults/recorder.hpp"

namespace hearsay::faults {

inline constexpr std::int64_t kForever = std::numeric_limits<std::int64_t>::max();

// A span in which suspicions or deaths of `member` seen by `observers` (every
// agent if empty) are deserved: it was crashed or stalled, or across a
// partition from them.
struct Deserved {
  std::string member;
  std::set<std::string> observers;  // empty: every observer
  std::int64_t from_ms = 0;
  std::int64_t to_ms = kForever;
};

// Events of `type` ("suspect", "dead") in [from_ms, to_ms) that no Deserved
// span covers: suspicions and deaths of live, reachable nodes.
std::vector<Event> undeserved(const std::vector<Event>& events, const std::string& type,
                              const std::vector<Deserved>& deserved, std::int64_t from_ms = 0,
                              std::int64_t to_ms = kForever);
// Events of `type` in [from_ms, to_ms), deserved or not.
std::vector<Event> of_type(const std::vector<Event>& events, const std::string& type,
                           std::int64_t from_ms = 0, std::int64_t to_ms = kForever);

// The state each observer holds of each member after replaying its events of
// its latest generation up to `at_ms` (join/alive -> "alive", suspect, dead,
// left; a member never heard of is absent).
std::map<std::string, std::string> view_at(const std::vector<Event>& events,
                                           const std::string& observer, std::int64_t at_ms);

// The first time at or after `from_ms` from which `observer` (its latest
// generation) saw every one of `members` (itself excepted) alive; nullopt if
// it never did. From the observer's event stamps, so exact to the ms.
std::optional<std::int64_t> all_alive_since(const std::vector<Event>& events,
                                            const std::string& observer,
                                            const std::vector<std::string>& members,
                                            std::int64_t from_ms);
// The latest of all_alive_since over `observers`: when the last of them got
// there (nullopt if one never did).
std::optional<std::int64_t> everyone_sees_everyone(const std::vector<Event>& events,
                                                   const std::vector<std::string>& observers,
                                                   const std::vector<std::string>& members,
                                                   std::int64_t from_ms);

// When `observer` first recorded `type` about `member` at or after `from_ms`.
std::optional<std::int64_t> first(const std::vector<Event>& events, const std::string& observer,
                                  const std::string& member, const std::string& type,
                                  std::int64_t from_ms);

// One line per event, "+12.345s n3: n5 suspect", times from `origin_ms`
// (for failure messages); at most `limit` lines.
std::string describe(const std::vector<Event>& events, std::int64_t origin_ms,
                     std::size_t limit = 40);

}  // namespace hearsay::faults
