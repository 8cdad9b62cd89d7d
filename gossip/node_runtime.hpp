// NodeRuntime: what runs behind a hearsay::Node.
//
// One thread owns the ZeroMQ transport and the protocol core. It sleeps in
// zmq::poll until a socket stirs, the eventfd is written (a user call was
// posted) or the core or the transport has timed work; then it runs the
// posted commands, moves bytes between transport and core, ticks the core,
// sends what the core produced, and publishes snapshots before it runs the
// callbacks (so a callback reading the registry sees what it is told about).
// User calls from other threads are posted as commands; reads go to the
// snapshots. The node's own services are owned here: a change is checked and
// applied to the owned set under a lock and the whole set is posted to the
// core, in the same order.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "gossip/fault_log.hpp"
#include "gossip/snapshots.hpp"
#include "gossip/watches.hpp"
#include "gossip/zmq_transport.hpp"
#include "hearsay/config.hpp"
#include "membership/core.hpp"

namespace hearsay::gossip {

class NodeRuntime {
 public:
  using TimePoint = membership::TimePoint;
  using Command = std::function<void(membership::Core&, TimePoint)>;

  // Binds (std::runtime_error if the endpoint is bad or taken), builds the
  // core with config.services and starts joining config.seeds. Call start().
  explicit NodeRuntime(Config config);
  ~NodeRuntime();
  NodeRuntime(const NodeRuntime&) = delete;
  NodeRuntime& operator=(const NodeRuntime&) = delete;

  void start();
  // Leaves (waiting up to `timeout` for the news to spread) unless stopped or
  // left already, then stops the thread.
  void leave(std::chrono::milliseconds timeout);
  // Stops the thread at once, without a word to anyone (a crash).
  void stop_abruptly();

  void post(Command c);
  // Applies `change` to the owned service set under the lock (it may throw
  // to refuse) and posts the whole new set to the core. False if `change`
  // found nothing to change.
  bool change_services(const std::function<bool(std::vector<Service>&)>& change);
  std::vector<Service> services() const;
  void block_peers(std::vector<std::string> endpoints);

  const Config& config() const { return config_; }
  const std::string& name() const { return config_.name; }
  const std::string& endpoint() const { return endpoint_; }
  const Snapshots& snapshots() const { return snapshots_; }
  const std::shared_ptr<detail::PickState>& pick_state() const { return pick_state_; }
  Watches& watches() { return watches_; }
  Stats stats() const;

 private:
  void run();
  void step(TimePoint now);
  void run_commands(TimePoint now);
  void flush(TimePoint now);
  void fit_idle_close();
  void publish(TimePoint now, bool force);
  void finish_leave_if_drained();
  void wake() const;
  void join_thread();

  Config config_;
  std::string endpoint_;
  zmq::context_t context_{1};
  std::unique_ptr<ZmqTransport> transport_;
  std::unique_ptr<membership::Core> core_;
  int wake_fd_ = -1;

  mutable std::mutex mu_;  // commands_ and own_services_
  std::deque<Command> commands_;
  std::vector<Service> own_services_;

  Snapshots snapshots_;
  std::shared_ptr<detail::PickState> pick_state_ = std::make_shared<detail::PickState>();
  Watches watches_;
  FaultLog fault_log_;

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> leave_requested_{false};
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  bool leave_drained_ = false;

  // node-thread state
  std::uint64_t published_version_ = ~0ULL;
  TimePoint next_stats_at_{};
  std::chrono::milliseconds idle_close_{};      // what the transport was last given
  std::set<std::string, std::less<>> blocked_;  // fault injection: no sends there
  NodeCounters counters_;
};

}  // namespace hearsay::gossip
