// Watches the cluster from outside: polls every node's GET /v1/status (the
// agents' and the gateway's) about ten times a second, each node from its own
// thread, so a stopped node delays nobody else.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hearsay::tools {

using Clock = std::chrono::steady_clock;

struct InstanceView {
  std::string service, id, member, health, member_state;
};

// One node's answer to GET /v1/status.
struct NodeStatus {
  bool ok = false;    // answered with a status object
  std::string error;  // why not
  std::string digest;
  std::map<std::string, std::string> members;     // name -> alive|suspect|dead|left
  std::map<std::string, InstanceView> instances;  // "<member>/<id>"
  Clock::time_point sent{}, received{};           // of the request that got this answer
  std::uint64_t seq = 0;                          // increases with every poll

  // The state this node sees `member` in; "" if it does not know it.
  std::string member_state(const std::string& member) const;
  // Health of instance `key` ("<member>/<id>"); "" if absent.
  std::string instance_health(const std::string& key) const;
};

using Snapshot = std::map<std::string, NodeStatus>;  // by node name

class Observer {
 public:
  struct Target {
    std::string name;
    int port;  // on 127.0.0.1
  };
  Observer(std::vector<Target> targets, std::chrono::milliseconds period);
  ~Observer();
  Observer(const Observer&) = delete;
  Observer& operator=(const Observer&) = delete;

  // The latest answer of every node.
  Snapshot snapshot() const;
  // Blocks until some node's status changes hands (a poll completes) or
  // `deadline` passes.
  void wait_update(Clock::time_point deadline);

 private:
  void poll_loop(Target target);

  std::chrono::milliseconds period_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Snapshot latest_;
  std::uint64_t updates_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace hearsay::tools
