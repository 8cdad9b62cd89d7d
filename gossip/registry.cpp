// Registry: the public, immutable snapshot of a node's service registry.
//
// The data is shared and const, so reads need no lock. The only mutable part
// is the picker state (round-robin position, seed counter), which is atomic:
// each pick draws a fresh seed with one fetch_add and runs its own Rng, so
// concurrent picks never share generator state.
#include "hearsay/registry.hpp"

#include <algorithm>
#include <span>
#include <tuple>
#include <utility>

#include "gossip/pickers.hpp"
#include "gossip/registry_data.hpp"
#include "membership/registry_view.hpp"
#include "membership/rng.hpp"

namespace hearsay {

namespace {

using membership::matches;

bool member_then_id(const Instance& a, const Instance& b) {
  return std::tie(a.member, a.service.id) < std::tie(b.member, b.service.id);
}

const std::vector<Instance>* instances_of(const detail::RegistryData* data,
                                          std::string_view service) {
  if (data == nullptr) return nullptr;
  const auto it = data->by_name.find(service);
  return it == data->by_name.end() ? nullptr : &it->second;
}

// Used by handles built without picker state, so pick still works on them.
detail::PickState& fallback_state() {
  static detail::PickState state;
  return state;
}

}  // namespace

Registry::Registry() = default;

Registry::Registry(std::shared_ptr<const detail::RegistryData> data,
                   std::shared_ptr<detail::PickState> state)
    : data_(std::move(data)), state_(std::move(state)) {}

std::vector<Instance> Registry::lookup(std::string_view service, const Query& q) const {
  std::vector<Instance> out;
  const auto* all = instances_of(data_.get(), service);
  if (all == nullptr) return out;
  for (const auto& i : *all)
    if (matches(i, q)) out.push_back(i);
  // The node builds the data in this order; sort anyway if it was not.
  if (!std::is_sorted(out.begin(), out.end(), member_then_id))
    std::stable_sort(out.begin(), out.end(), member_then_id);
  return out;
}

std::optional<Instance> Registry::pick(std::string_view service, Pick how, std::string_view key,
                                       const Query& q) const {
  const auto* all = instances_of(data_.get(), service);
  if (all == nullptr || all->empty()) return std::nullopt;

  // Usually every instance matches; then pick straight from the snapshot
  // instead of copying it.
  std::vector<Instance> filtered;
  std::span<const Instance> candidates(*all);
  if (!std::all_of(all->begin(), all->end(), [&](const Instance& i) { return matches(i, q); })) {
    for (const auto& i : *all)
      if (matches(i, q)) filtered.push_back(i);
    candidates = filtered;
  }
  if (candidates.empty()) return std::nullopt;

  detail::PickState& state = state_ ? *state_ : fallback_state();
  const std::uint64_t seed =
      state.random_seed.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed);
  membership::Rng rng(seed);
  const std::uint64_t turn =
      how == Pick::round_robin ? state.round_robin.fetch_add(1, std::memory_order_relaxed) : 0;

  const auto index = gossip::pick_index(candidates, how, key, rng, turn);
  if (!index) return std::nullopt;
  return candidates[*index];
}

std::vector<std::string> Registry::services() const {
  std::vector<std::string> out;
  if (!data_) return out;
  for (const auto& [name, instances] : data_->by_name)
    if (!instances.empty()) out.push_back(name);
  return out;
}

std::uint64_t Registry::version() const {
  return data_ ? data_->version : 0;
}

}  // namespace hearsay
