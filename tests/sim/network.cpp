// Network: per-link latency with uniform jitter, loss, and directed blocks.
//
// Every draw comes from the network's own PRNG in call order, so the same
// seed and the same sequence of transit() calls give the same delays. A
// blocked link consumes no draw: blocking is a topology fact, not luck.
#include "tests/sim/network.hpp"

#include <algorithm>
#include <cstdint>

namespace hearsay::sim {

Network::Network(LinkModel model, std::uint64_t seed) : model_(model), rng_(seed) {}

std::optional<membership::Duration> Network::transit(std::size_t from, std::size_t to) {
  if (blocked(from, to)) return std::nullopt;
  const LinkModel* m = &model_;
  if (!links_.empty()) {
    const auto it = links_.find({from, to});
    if (it != links_.end()) m = &it->second;
  }
  if (m->loss > 0.0 && rng_.unit() < m->loss) return std::nullopt;
  membership::Duration delay = m->latency;
  const auto jitter = m->jitter.count();
  if (jitter > 0) {
    const auto span = static_cast<std::uint64_t>(jitter) * 2 + 1;
    delay += membership::Duration(static_cast<std::int64_t>(rng_.uniform(span)) - jitter);
  }
  return std::max(delay, membership::Duration::zero());
}

void Network::set_link(std::size_t from, std::size_t to, const LinkModel& m) {
  links_[{from, to}] = m;
}

void Network::block(std::size_t from, std::size_t to) {
  blocked_.insert({from, to});
}

void Network::block_both(std::size_t a, std::size_t b) {
  block(a, b);
  block(b, a);
}

void Network::partition(const std::vector<std::size_t>& side_a,
                        const std::vector<std::size_t>& side_b) {
  for (const auto a : side_a) {
    for (const auto b : side_b) {
      if (a != b) block_both(a, b);
    }
  }
}

void Network::isolate(std::size_t node, std::size_t cluster_size) {
  for (std::size_t other = 0; other < cluster_size; ++other) {
    if (other != node) block_both(node, other);
  }
}

void Network::heal_node(std::size_t node) {
  std::erase_if(blocked_,
                [node](const auto& link) { return link.first == node || link.second == node; });
}

void Network::heal() {
  blocked_.clear();
}

bool Network::blocked(std::size_t from, std::size_t to) const {
  return !blocked_.empty() && blocked_.contains({from, to});
}

}  // namespace hearsay::sim
