// Network: the simulator's links — latency with jitter, loss, partitions.
//
// Links are directed. A one-way partition blocks a->b only; a two-way one
// blocks both directions. Draws come from the network's own seeded PRNG.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "membership/rng.hpp"
#include "membership/time.hpp"

namespace hearsay::sim {

struct LinkModel {
  membership::Duration latency = std::chrono::microseconds(1000);
  membership::Duration jitter = std::chrono::microseconds(500);  // uniform +-jitter
  double loss = 0.0;  // probability a message is dropped, 0..1
};

class Network {
 public:
  Network(LinkModel model, std::uint64_t seed);

  // Delay of one message a->b, or nullopt if it is lost or blocked.
  std::optional<membership::Duration> transit(std::size_t from, std::size_t to);

  void set_default(const LinkModel& m) { model_ = m; }
  const LinkModel& default_model() const { return model_; }
  void set_link(std::size_t from, std::size_t to, const LinkModel& m);

  void block(std::size_t from, std::size_t to);  // one-way
  void block_both(std::size_t a, std::size_t b);
  // Two-way partition between the groups.
  void partition(const std::vector<std::size_t>& side_a, const std::vector<std::size_t>& side_b);
  // Cuts every link to and from a node (isolate) or restores them (heal_node).
  void isolate(std::size_t node, std::size_t cluster_size);
  void heal_node(std::size_t node);
  void heal();  // removes every block
  bool blocked(std::size_t from, std::size_t to) const;

 private:
  LinkModel model_;
  std::map<std::pair<std::size_t, std::size_t>, LinkModel> links_;
  std::set<std::pair<std::size_t, std::size_t>> blocked_;
  membership::Rng rng_;
};

}  // namespace hearsay::sim
