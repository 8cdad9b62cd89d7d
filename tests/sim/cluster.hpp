// Cluster: N protocol cores on a simulated network, in virtual time.
//
// Every node runs the real membership::Core; messages cross the network as
// the real codec's bytes. One root seed derives every sub-seed (each core's
// PRNG, the network's latency/loss draws), and the event queue breaks ties by
// insertion order, so the same seed gives a byte-identical event trace.
//
// Nodes are named "n0".."n{N-1}" with endpoints "sim://n0".. . Time starts at
// kEpoch; a node's generation is the virtual wall clock in ms at its start.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "hearsay/protocol_params.hpp"
#include "membership/core.hpp"
#include "tests/sim/network.hpp"

namespace hearsay::sim {

using membership::Duration;
using membership::TimePoint;
using namespace std::chrono_literals;

struct ClusterOptions {
  std::size_t nodes = 10;
  ProtocolParams params = ProtocolParams::lan();
  LinkModel link;  // default latency/jitter/loss of every link
  std::uint64_t seed = 1;
  bool trace = false;                  // keep the full text trace (costly for big runs)
  Duration check_every = 5ms;          // how often run_until evaluates its predicate
  std::size_t pause_queue_max = 1024;  // messages buffered for a paused node
  // A message reaching a crashed or stopped node is refused: its sender's
  // core hears on_connection_refused one transit later (the reset of a TCP
  // connect to a dead process on a live host). A paused node refuses nothing.
  bool refuse_when_down = true;
};

enum class NodeStatus { running, paused, crashed, stopped };

// What the cluster reports about each message it carries (for benchmarks and
// tests that count traffic). `delivered` is false when the network dropped it.
// Each message is reported once: when sent if the network drops it or its
// endpoint matches no node, else when it arrives (then `delivered` is false if
// the node is crashed/stopped or its pause queue is full). `bytes` is valid
// only during the call. Taps observe; they must not change the cluster.
struct Delivery {
  TimePoint at;
  std::size_t from;
  std::size_t to;  // SIZE_MAX when the endpoint matches no node
  const membership::wire::Bytes* bytes;
  bool delivered;
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions options);
  ~Cluster();

  // --- topology and lifecycle ---
  std::size_t size() const;
  std::string name(std::size_t i) const;      // "n<i>"
  std::string endpoint(std::size_t i) const;  // "sim://n<i>"
  // The node's current core. A crashed or stopped node keeps its last core,
  // frozen, for inspection. Throws std::logic_error before the node starts.
  membership::Core& core(std::size_t i);
  NodeStatus status(std::size_t i) const;
  bool running(std::size_t i) const { return status(i) == NodeStatus::running; }

  // Starts every node not yet started and joins it through `seeds` (node
  // indexes). Nodes in `seeds` join each other.
  void start_all(const std::vector<std::size_t>& seeds = {0});
  void crash(std::size_t i);  // stops without a word
  void restart(std::size_t i,
               const std::vector<std::size_t>& seeds = {0});  // same name, new generation
  void pause(std::size_t i);  // no ticks; inbound messages queue (bounded)
  void resume(std::size_t i);
  void leave(std::size_t i);  // graceful: leaves, keeps running until news drained, then stops

  // Inputs to one node's services through the cluster, so its output reaches
  // the network at once. (Calling core(i) directly works too: run_for and
  // run_until flush every node before they start; flush(i) does it now.)
  void advertise(std::size_t i, Service service);
  bool withdraw(std::size_t i, std::string_view id);
  bool set_health(std::size_t i, std::string_view id, Health health);
  void flush(std::size_t i);
  // Runs `fn` at now() + after, in event order (ties: scheduling order).
  void schedule(Duration after, std::function<void()> fn);

  // --- network faults ---
  Network& network();

  // --- time ---
  TimePoint now() const;
  Duration elapsed() const;  // since kEpoch
  void run_for(Duration d);
  // Runs until pred() holds (checked every options.check_every) or `limit`
  // passes. Returns the time it took, nullopt on timeout.
  std::optional<Duration> run_until(const std::function<bool()>& pred, Duration limit);

  // --- observations (over running nodes only; paused/crashed/stopped excluded) ---
  // Every running node sees exactly `n` live members, all alive, equal digests.
  bool converged(std::size_t n) const;
  // Every running node other than `subject` holds `subject` in `state`.
  bool all_see(std::size_t subject, MemberState state) const;
  // How many running nodes (other than subject) hold subject in `state`.
  std::size_t count_seeing(std::size_t subject, MemberState state) const;
  // Every running node's registry has an instance of `service` (by name).
  bool all_have_service(const std::string& service) const;
  bool digests_equal() const;
  // How `observer` holds `subject`, nullopt if it does not know it (or the
  // observer has no core yet).
  std::optional<MemberState> view(std::size_t observer, std::size_t subject) const;
  // Running nodes whose registry has an instance of `service`.
  std::size_t count_having_service(const std::string& service) const;
  std::size_t running_count() const;
  std::uint64_t generation(std::size_t i) const;  // of the node's current life

  // --- instrumentation ---
  void set_tap(std::function<void(const Delivery&)> tap);
  const std::string& trace() const;  // full text trace if options.trace
  std::uint64_t trace_hash() const;  // always kept: hash over every event
  std::uint64_t messages_sent() const;
  std::uint64_t bytes_sent() const;
  // Every MemberEvent any node emits, as it is taken from the core.
  using EventTap = std::function<void(TimePoint at, std::size_t node, const MemberEvent& e)>;
  void set_event_tap(EventTap tap);
  std::uint64_t events_emitted(MemberEventType type) const;  // over all nodes
  std::uint64_t steps() const;                               // simulator events handled
  membership::CoreStats total_stats() const;                 // summed over every core

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The virtual clock's origin.
inline const TimePoint kEpoch = TimePoint{} + std::chrono::hours(24 * 365);

// Seeds for scenario tests: HEARSAY_SIM_SEED=N replays one seed, else the
// seeds 1..count; HEARSAY_SIM_SEEDS=K lowers count to at most K (sanitizers).
std::vector<std::uint64_t> test_seeds(std::size_t count = 3);
// The line a failing test prints: "reproduce with HEARSAY_SIM_SEED=N ...".
std::string replay_hint(std::uint64_t seed);
// The same with --gtest_filter=<test_name> (tests pass their own name: this
// library does not depend on GoogleTest).
std::string replay_hint(std::uint64_t seed, std::string_view test_name);

}  // namespace hearsay::sim
