// Registry: a node's view of which service instances exist, for client-side
// discovery. A Registry is an immutable snapshot: reading it never blocks and
// never races the node's thread; ask the node again for a newer one.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hearsay/service.hpp"

namespace hearsay {

struct Instance {
  std::string member;  // the node advertising it
  MemberState member_state = MemberState::alive;
  Service service;
  // Smoothed round-trip time to that node, from probe acks; none if unmeasured.
  std::optional<std::chrono::microseconds> rtt;

  friend bool operator==(const Instance&, const Instance&) = default;
};

struct Query {
  std::optional<std::string> tag{};       // only instances carrying this tag
  Health worst_health = Health::warning;  // passing and warning by default
  bool include_suspect = true;            // instances of members under suspicion
};

enum class Pick : std::uint8_t {
  random,       // uniform
  round_robin,  // in turn, per Registry handle's node
  weighted,     // proportional to Service::weight
  p2c,          // power of two choices on meta["load"] (a number; lower wins)
  rendezvous,   // highest xxHash(key, instance id): the same key sticks to one instance
  nearest,      // lowest measured round-trip time
};

namespace detail {
struct RegistryData;
struct PickState;
struct RegistryAccess;
}  // namespace detail

class Registry {
 public:
  Registry();  // empty

  // Instances of `service` matching `q`, ordered by member name then id.
  // Never throws except std::bad_alloc.
  std::vector<Instance> lookup(std::string_view service, const Query& q = {}) const;
  // One instance chosen by `how`; nullopt if none matches. `key` is used by
  // Pick::rendezvous only. Thread-safe.
  std::optional<Instance> pick(std::string_view service, Pick how = Pick::random,
                               std::string_view key = {}, const Query& q = {}) const;
  std::vector<std::string> services() const;  // names with at least one instance
  std::uint64_t version() const;              // rises whenever the content changes

 private:
  friend struct detail::RegistryAccess;  // the node builds snapshots
  Registry(std::shared_ptr<const detail::RegistryData> data,
           std::shared_ptr<detail::PickState> state);

  std::shared_ptr<const detail::RegistryData> data_;
  std::shared_ptr<detail::PickState> state_;
};

}  // namespace hearsay
