// The data behind a public hearsay::Registry snapshot, built by the node
// thread from the core's registry view and published immutably.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hearsay/registry.hpp"

namespace hearsay::detail {

struct RegistryData {
  std::uint64_t version = 0;
  // service name -> every instance (all healths, alive and suspect members),
  // ordered by member then id; queries filter.
  std::map<std::string, std::vector<Instance>, std::less<>> by_name;
};

// Mutable picker state shared by every Registry handle of one node.
struct PickState {
  std::atomic<std::uint64_t> round_robin{0};
  std::atomic<std::uint64_t> random_seed{0x9e3779b97f4a7c15ULL};
};

// How the runtime (and the registry's own tests) make Registry handles; users
// get them from Node::registry().
struct RegistryAccess {
  static Registry make(std::shared_ptr<const RegistryData> data, std::shared_ptr<PickState> state) {
    return Registry(std::move(data), std::move(state));
  }
};

}  // namespace hearsay::detail
