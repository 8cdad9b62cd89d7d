// hearsay::Node: one member of a hearsay cluster, embedded in a service.
//
//   hearsay::Config cfg = hearsay::Config::lan();
//   cfg.name = "orders-7";
//   cfg.bind = "tcp://0.0.0.0:7946";
//   cfg.advertise = "tcp://10.0.0.5:7946";
//   cfg.seeds = {"tcp://10.0.0.2:7946"};
//   hearsay::Node node{cfg};
//   node.advertise({.name = "orders", .id = "orders-7", .endpoint = "http://10.0.0.5:8080"});
//   auto one = node.registry().pick("payments", hearsay::Pick::p2c);
//
// Threads: the node owns one background thread that owns every socket and
// runs the protocol. Calls from any thread are posted to it and return at
// once (advertise, withdraw, set_health, join) or wait briefly for it
// (leave). Reads (registry, members, stats) are lock-free copies of immutable
// snapshots the thread publishes after each change. Watch callbacks run on
// the node's thread, in order: they must not block; an exception thrown by
// one is caught and counted (Stats::callback_errors) and the node goes on.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hearsay/config.hpp"
#include "hearsay/errors.hpp"
#include "hearsay/events.hpp"
#include "hearsay/keys.hpp"
#include "hearsay/registry.hpp"
#include "hearsay/service.hpp"
#include "hearsay/stats.hpp"

namespace hearsay {

struct MemberInfo {
  std::string name;
  std::string endpoint;
  MemberState state = MemberState::alive;
  std::size_t services = 0;  // how many records it advertises

  friend bool operator==(const MemberInfo&, const MemberInfo&) = default;
};

// Ends a watch when destroyed (or cancel() is called). A callback already
// running on the node thread may still finish after cancel() returns, unless
// cancel() is called from within a callback.
class Watch {
 public:
  Watch() = default;
  explicit Watch(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  Watch(Watch&& o) noexcept : cancel_(std::exchange(o.cancel_, nullptr)) {}
  Watch& operator=(Watch&& o) noexcept {
    if (this != &o) {
      cancel();
      cancel_ = std::exchange(o.cancel_, nullptr);
    }
    return *this;
  }
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;
  ~Watch() { cancel(); }
  void cancel() {
    if (auto c = std::exchange(cancel_, nullptr)) c();
  }

 private:
  std::function<void()> cancel_;
};

class Node;
namespace testing {
void stop_abruptly(Node& node);
}  // namespace testing

class Node {
 public:
  // Validates `config` (ConfigError naming the field), binds its endpoint
  // (std::runtime_error if malformed or already in use), starts the node
  // thread and joins config.seeds in the background, retrying with backoff
  // until one answers.
  explicit Node(Config config);
  // Leaves gracefully (waiting up to config.leave_timeout for the news to
  // spread) unless leave() already ran, then stops the thread.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  // Movable: the node (its thread, sockets and watches) moves with it. A
  // moved-from Node may only be destroyed or assigned to; moving into a
  // running Node first leaves and stops it, as its destructor would.
  Node(Node&& other) noexcept;
  Node& operator=(Node&& other) noexcept;

  const std::string& name() const;
  // The endpoint peers use to reach this node (config.advertise, or the bound
  // endpoint with any wildcard port resolved).
  const std::string& endpoint() const;

  // Joins (more) seed endpoints; retries in the background. Never throws
  // except ConfigError for a malformed endpoint.
  void join(std::vector<std::string> seeds);

  // Adds or replaces (by id) one of this node's services. Throws ConfigError
  // naming the field if the record is invalid or the set would exceed a limit;
  // the set is then unchanged.
  void advertise(Service service);
  // Removes a service by id; false if this node does not advertise it.
  bool withdraw(std::string_view id);
  // Changes a service's health; false if this node does not advertise it.
  bool set_health(std::string_view id, Health health);
  // This node's own services as last set (not the cluster's view).
  std::vector<Service> services() const;

  // The latest registry snapshot; never blocks.
  Registry registry() const;
  // Every member this node knows, itself included, by name; never blocks.
  std::vector<MemberInfo> members() const;
  // Counters and gauges; never blocks.
  Stats stats() const;
  // A hash of this node's view of the live cluster: every member alive or
  // suspect, with its endpoint, incarnation and service-set version. Nodes
  // with equal digests agree on who is in the cluster and what it offers: a
  // cheap way to tell whether a cluster has converged. Never blocks.
  std::uint64_t digest() const;

  // Calls `fn` for every change to instances of `service` from now on.
  [[nodiscard]] Watch watch(std::string service, std::function<void(const ServiceEvent&)> fn);
  // Calls `fn` for every membership event (join, suspect, alive, dead, left,
  // updated; see MemberEventType: join also means "back from dead").
  [[nodiscard]] Watch watch_members(std::function<void(const MemberEvent&)> fn);

  // Announces a graceful leave and waits up to `timeout` for it to spread;
  // the node then stops. Idempotent.
  void leave(std::chrono::milliseconds timeout);
  void leave();  // with config.leave_timeout

  // Fault injection (demos, failure drills): drop every message this node
  // would send to one of `endpoints`, as a network partition would; counted
  // in Stats::sends_blocked. Apply it on both sides for a two-way partition;
  // an empty list heals. `hearsay cluster` uses it for its partition step.
  // Never throws.
  void block_peers(std::vector<std::string> endpoints);

 private:
  friend void testing::stop_abruptly(Node& node);

  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace hearsay
