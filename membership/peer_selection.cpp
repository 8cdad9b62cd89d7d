#include "membership/peer_selection.hpp"

#include <algorithm>

namespace hearsay::membership {

void PeerSelection::on_member_changed(const Member& m, bool was_live) {
  if (m.name == ctx_.self.name) return;
  if (m.live() != was_live) {
    if (m.live()) {
      live_.push_back(m.name);
      // New members go to a random place in the rest of this probe pass.
      const auto lo = std::min(probe_index_, probe_order_.size());
      const auto pos = lo + ctx_.rng.uniform(probe_order_.size() - lo + 1);
      probe_order_.insert(probe_order_.begin() + static_cast<std::ptrdiff_t>(pos), m.name);
    } else {
      live_.erase(std::find(live_.begin(), live_.end(), m.name));
    }
  }
  auto it = std::find(recent_dead_.begin(), recent_dead_.end(), m.name);
  const bool dead = m.state == MemberState::dead;
  if (dead && it == recent_dead_.end()) recent_dead_.push_back(m.name);
  if (!dead && it != recent_dead_.end()) recent_dead_.erase(it);
}

void PeerSelection::expire_recent_dead(TimePoint now) {
  std::erase_if(recent_dead_, [&](const std::string& name) {
    const auto* m = ctx_.table.find(name);
    return !m || now - m->state_since >= ctx_.params.gossip_to_the_dead;
  });
}

std::optional<std::string> PeerSelection::next_probe_target() {
  for (int pass = 0; pass < 2; ++pass) {
    while (probe_index_ < probe_order_.size()) {
      const auto& name = probe_order_[probe_index_++];
      const auto* m = ctx_.table.find(name);
      if (m && m->live() && name != ctx_.self.name) return name;
    }
    // End of a pass: reshuffle the live members for the next one.
    probe_order_ = live_;
    ctx_.rng.shuffle(probe_order_.begin(), probe_order_.end());
    probe_index_ = 0;
  }
  return std::nullopt;
}

std::vector<const Member*> PeerSelection::sample(std::size_t k, bool include_recent_dead,
                                                 std::string_view exclude, TimePoint now) {
  std::vector<const Member*> pool;
  if (include_recent_dead && !recent_dead_.empty()) {
    for (const auto& name : live_)
      if (name != exclude) pool.push_back(ctx_.table.find(name));
    for (const auto& name : recent_dead_) {
      const auto* m = ctx_.table.find(name);
      if (name != exclude && m && now - m->state_since < ctx_.params.gossip_to_the_dead)
        pool.push_back(m);
    }
  } else if (live_.size() > 4 * k + 8) {
    // Large cluster: sample without scanning the table.
    std::vector<std::size_t> picked;
    for (std::size_t tries = 0; pool.size() < k && tries < 8 * k; ++tries) {
      const auto i = ctx_.rng.uniform(live_.size());
      if (std::find(picked.begin(), picked.end(), i) != picked.end()) continue;
      if (live_[i] == exclude) continue;
      picked.push_back(i);
      pool.push_back(ctx_.table.find(live_[i]));
    }
    return pool;
  } else {
    for (const auto& name : live_)
      if (name != exclude) pool.push_back(ctx_.table.find(name));
  }
  // Partial Fisher-Yates: the first k are a uniform sample.
  for (std::size_t i = 0; i < std::min(k, pool.size()); ++i) {
    const auto j = i + ctx_.rng.uniform(pool.size() - i);
    std::swap(pool[i], pool[j]);
  }
  if (pool.size() > k) pool.resize(k);
  return pool;
}

}  // namespace hearsay::membership
