// once_per: a per-key rate limit over the core's clock, for answers that must
// not repeat for every copy of the same cause (a refusal per message to a
// crashed process, a correction per copy of a stale rumour).
#pragma once

#include <utility>

#include "membership/time.hpp"

namespace hearsay::membership {

// True, and `now` recorded for `key`, when `key` has no record in `last` or
// its record is `every` old or more; false otherwise (nothing changes).
template <class Map, class Key>
bool once_per(Map& last, Key&& key, TimePoint now, Duration every) {
  auto [it, fresh] = last.try_emplace(std::forward<Key>(key), now);
  if (!fresh && now - it->second < every) return false;
  it->second = now;
  return true;
}

}  // namespace hearsay::membership
