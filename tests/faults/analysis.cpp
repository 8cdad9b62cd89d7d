#include "tests/faults/analysis.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace hearsay::faults {

namespace {

bool covered(const Event& e, const std::vector<Deserved>& deserved) {
  for (const auto& d : deserved)
    if (d.member == e.member && e.time_ms >= d.from_ms && e.time_ms < d.to_ms &&
        (d.observers.empty() || d.observers.count(e.observer) > 0))
      return true;
  return false;
}

std::string state_after(const std::string& type, const std::string& before) {
  if (type == "join" || type == "alive") return "alive";
  if (type == "suspect" || type == "dead" || type == "left") return type;
  return before;  // "updated": services changed, state did not
}

int latest_generation(const std::vector<Event>& events, const std::string& observer) {
  int g = 0;
  for (const auto& e : events)
    if (e.observer == observer) g = std::max(g, e.generation);
  return g;
}

// The observer's latest generation's events in time order (stable: the
// agent's own order for equal stamps).
std::vector<Event> stream_of(const std::vector<Event>& events, const std::string& observer) {
  const int g = latest_generation(events, observer);
  std::vector<Event> out;
  for (const auto& e : events)
    if (e.observer == observer && e.generation == g) out.push_back(e);
  std::stable_sort(out.begin(), out.end(),
                   [](const Event& a, const Event& b) { return a.time_ms < b.time_ms; });
  return out;
}

bool all_alive(const std::map<std::string, std::string>& view, const std::string& observer,
               const std::vector<std::string>& members) {
  for (const auto& m : members) {
    if (m == observer) continue;
    const auto it = view.find(m);
    if (it == view.end() || it->second != "alive") return false;
  }
  return true;
}

}  // namespace

std::vector<Event> undeserved(const std::vector<Event>& events, const std::string& type,
                              const std::vector<Deserved>& deserved, std::int64_t from_ms,
                              std::int64_t to_ms) {
  std::vector<Event> out;
  for (const auto& e : of_type(events, type, from_ms, to_ms))
    if (!covered(e, deserved)) out.push_back(e);
  return out;
}

std::vector<Event> of_type(const std::vector<Event>& events, const std::string& type,
                           std::int64_t from_ms, std::int64_t to_ms) {
  std::vector<Event> out;
  for (const auto& e : events)
    if (e.type == type && e.time_ms >= from_ms && e.time_ms < to_ms) out.push_back(e);
  return out;
}

std::map<std::string, std::string> view_at(const std::vector<Event>& events,
                                           const std::string& observer, std::int64_t at_ms) {
  std::map<std::string, std::string> view;
  for (const auto& e : stream_of(events, observer)) {
    if (e.time_ms > at_ms) break;
    view[e.member] = state_after(e.type, view[e.member]);
  }
  return view;
}

std::optional<std::int64_t> all_alive_since(const std::vector<Event>& events,
                                            const std::string& observer,
                                            const std::vector<std::string>& members,
                                            std::int64_t from_ms) {
  std::map<std::string, std::string> view;
  // Whether "all alive" holds now, and since when (nothing to wait for: always).
  bool holds = all_alive(view, observer, members);
  std::int64_t since = from_ms;
  for (const auto& e : stream_of(events, observer)) {
    // It held until this event, which comes at or after from_ms.
    if (holds && e.time_ms >= from_ms) return std::max(since, from_ms);
    view[e.member] = state_after(e.type, view[e.member]);
    const bool now = all_alive(view, observer, members);
    if (now && !holds) since = e.time_ms;
    holds = now;
  }
  if (holds) return std::max(since, from_ms);
  return std::nullopt;
}

std::optional<std::int64_t> everyone_sees_everyone(const std::vector<Event>& events,
                                                   const std::vector<std::string>& observers,
                                                   const std::vector<std::string>& members,
                                                   std::int64_t from_ms) {
  std::int64_t last = from_ms;
  for (const auto& o : observers) {
    const auto t = all_alive_since(events, o, members, from_ms);
    if (!t) return std::nullopt;
    last = std::max(last, *t);
  }
  return last;
}

std::optional<std::int64_t> first(const std::vector<Event>& events, const std::string& observer,
                                  const std::string& member, const std::string& type,
                                  std::int64_t from_ms) {
  std::optional<std::int64_t> t;
  for (const auto& e : events)
    if (e.observer == observer && e.member == member && e.type == type && e.time_ms >= from_ms &&
        (!t || e.time_ms < *t))
      t = e.time_ms;
  return t;
}

std::string describe(const std::vector<Event>& events, std::int64_t origin_ms, std::size_t limit) {
  auto sorted = events;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Event& a, const Event& b) { return a.time_ms < b.time_ms; });
  std::string out;
  for (std::size_t i = 0; i < sorted.size() && i < limit; ++i) {
    const auto& e = sorted[i];
    char line[160];
    std::snprintf(line, sizeof line, "  %+8.3fs %s: %s %s\n",
                  static_cast<double>(e.time_ms - origin_ms) / 1000.0, e.observer.c_str(),
                  e.member.c_str(), e.type.c_str());
    out += line;
  }
  if (sorted.size() > limit) out += "  ... " + std::to_string(sorted.size() - limit) + " more\n";
  return out;
}

}  // namespace hearsay::faults
