// Snapshots: the immutable views the node thread publishes for lock-free
// reads from any thread — the registry, the member list, the stats and the
// view digest. Each is replaced whole (std::atomic<std::shared_ptr<const T>>),
// never changed in place.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "gossip/registry_data.hpp"
#include "hearsay/node.hpp"
#include "hearsay/stats.hpp"
#include "membership/core.hpp"

namespace hearsay::gossip {

class Snapshots {
 public:
  std::shared_ptr<const detail::RegistryData> registry() const { return registry_.load(); }
  std::shared_ptr<const std::vector<MemberInfo>> members() const { return members_.load(); }
  std::shared_ptr<const Stats> stats() const { return stats_.load(); }
  std::uint64_t digest() const { return digest_.load(); }

  // Publishes the core's registry (every instance, all healths, with the
  // measured round-trip times) and member list; returns the registry
  // snapshot it replaced, for diffing.
  std::shared_ptr<const detail::RegistryData> publish_view(const membership::Core& core);
  void publish_digest(std::uint64_t digest) { digest_.store(digest); }
  void publish_stats(std::shared_ptr<const Stats> stats) { stats_.store(std::move(stats)); }

 private:
  std::atomic<std::shared_ptr<const detail::RegistryData>> registry_;
  std::atomic<std::shared_ptr<const std::vector<MemberInfo>>> members_;
  std::atomic<std::shared_ptr<const Stats>> stats_;
  std::atomic<std::uint64_t> digest_{0};
};

}  // namespace hearsay::gossip
