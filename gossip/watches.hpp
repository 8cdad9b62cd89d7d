// Watches: the callbacks users registered, and turning registry changes into
// service events.
//
// Registration and cancellation come from any thread (under a mutex);
// delivery runs on the node thread, outside the mutex, in registration
// order. An exception thrown by a callback is caught and counted, and the
// other callbacks still run.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "gossip/registry_data.hpp"
#include "hearsay/events.hpp"

namespace hearsay::gossip {

class Watches {
 public:
  using ServiceFn = std::function<void(const ServiceEvent&)>;
  using MemberFn = std::function<void(const MemberEvent&)>;

  // Both return an id for remove().
  std::uint64_t add_service(std::string service, ServiceFn fn);
  std::uint64_t add_members(MemberFn fn);
  void remove(std::uint64_t id);

  void deliver(const std::vector<MemberEvent>& events);
  // Tells each service watch what changed between two registry snapshots.
  void deliver_changes(const detail::RegistryData* before, const detail::RegistryData& after);

  std::uint64_t callback_errors() const { return callback_errors_.load(); }

 private:
  template <typename Event>
  void call(const std::function<void(const Event&)>& fn, const Event& e);

  std::mutex mu_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::pair<std::string, std::shared_ptr<ServiceFn>>> services_;
  std::map<std::uint64_t, std::shared_ptr<MemberFn>> members_;
  std::atomic<std::uint64_t> callback_errors_{0};
};

// The events that turn `before`'s instances of one service into `after`'s:
// added, updated (record or member state changed), removed.
std::vector<ServiceEvent> service_changes(const std::vector<Instance>* before,
                                          const std::vector<Instance>* after);

}  // namespace hearsay::gossip
