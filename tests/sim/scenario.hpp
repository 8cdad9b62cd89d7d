// Scenario: a scripted run of a simulated cluster, measured step by step.
//
// A scenario is a cluster size, a network (profile, latency, jitter, loss), a
// seed, a length and a list of steps ("5s:advertise:3:web", "10s:crash:7",
// "20s:partition", "140s:heal"). run_scenario() builds a Cluster, starts every
// node joining through node 0, waits for the join to converge, then runs each
// step at its time and measures how long the cluster took to agree on what the
// step changed:
//
//   join, resume, heal, restart  every running node sees exactly the expected
//                                live members, none suspect (digests equal)
//   partition                    every running node sees exactly the expected
//                                live members of its own side
//   advertise NODE SERVICE       every running node lists SERVICE on NODE
//   withdraw NODE SERVICE        no running node lists it any more
//   crash NODE                   every running node holds NODE dead
//   leave NODE                   every running node holds NODE left
//   pause NODE                   nothing to agree on: recorded is whether the
//                                others declared it dead before it resumed
//   loss P                       nothing to agree on
//
// Per-node agreement is tracked from the cores' member events, at the exact
// virtual time a node's view changed (steps re-check every node; the digest
// check of whole-cluster views is polled every `check_every`). For each node
// the first time it satisfied the condition is kept, which gives the per-node
// percentiles; the step "agreed" at the first instant every running node
// satisfied it at once. A measurement ends when the step agrees, when a later
// step makes it moot (a restart of the crashed node, a heal of the partition,
// ...), or when the run ends.
//
// Step times count from the start of the run (all nodes start at virtual time
// 0), or from the previous step when written "+5s:...". No step runs before the
// join converged: a step due earlier runs right after it, in order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hearsay/protocol_params.hpp"
#include "membership/core_stats.hpp"
#include "membership/time.hpp"
#include "tests/sim/network.hpp"

namespace hearsay::sim {

using membership::Duration;

enum class StepKind {
  join,  // only in reports: the initial convergence
  advertise,
  withdraw,
  crash,
  pause,
  resume,
  partition,
  heal,
  restart,
  leave,
  loss
};
std::string_view to_string(StepKind kind) noexcept;

struct Step {
  Duration at{};          // since the start of the run, or since the previous step
  bool relative = false;  // written "+<time>:...": `at` counts from the previous step
  StepKind kind = StepKind::heal;
  std::size_t node = 0;             // advertise withdraw crash pause resume restart leave
  std::string service;              // advertise withdraw: service name
  std::vector<std::size_t> side_a;  // partition: side A's nodes; empty = the first half
  double loss = 0;                  // loss: the new loss probability of every link
  std::string text;                 // the step as written (or as formatted)
};

// Parses "AT:KIND[:ARGS]" where AT is a duration ("5s", "1500ms", "2m",
// "+3s") and KIND one of
//   advertise:NODE:SERVICE  withdraw:NODE:SERVICE  crash:NODE  pause:NODE
//   resume:NODE  restart:NODE  leave:NODE  partition[:LIST]  heal  loss:P
// LIST is node indexes and ranges, e.g. "0-49" or "0-9,20-29,40". On error the
// message names the step string and what is wrong. Node indexes are checked
// against the cluster size by validate(), not here.
struct StepParse {
  std::optional<Step> step;
  std::string error;
  bool ok() const noexcept { return step.has_value(); }
};
StepParse parse_step(std::string_view text);

// "5s", "1500ms", "1.5s", "2m", "1h", "250us" -> duration; nullopt if malformed.
std::optional<Duration> parse_duration(std::string_view text);
// 1.5 s -> "1.5s", 250 ms -> "250ms"; for messages and step texts.
std::string format_duration(Duration d);

struct ScenarioSpec {
  std::size_t nodes = 50;
  std::string profile = "lan";      // lan, wan, local: protocol timers and link defaults
  std::optional<Duration> latency;  // one-way; nullopt: the profile's
  std::optional<Duration> jitter;   // uniform +-jitter; nullopt: the profile's
  double loss = 0;                  // probability a message is lost, 0..1
  std::uint64_t seed = 1;
  Duration duration{};  // the run's length; 0: until every step ran and settled
  std::vector<Step> steps;
  Duration check_every = std::chrono::milliseconds(5);  // digest and pause polling period
  Duration settle_limit = std::chrono::seconds(300);    // per measurement, when duration is 0
};

inline constexpr std::size_t kMaxScenarioNodes = 100000;

// The protocol config and default link of a profile; nullopt if unknown.
std::optional<ProtocolParams> profile_params(std::string_view profile);
std::optional<LinkModel> profile_link(std::string_view profile);

// The first problem of a spec: `field` is the spec field ("nodes", "loss",
// "step", ...), `reason` a sentence fragment naming the bad value.
struct SpecError {
  std::string field;
  std::string reason;
};
std::optional<SpecError> validate(const ScenarioSpec& spec);

struct StepResult {
  std::string step;  // the step as written; "join" for the join
  StepKind kind = StepKind::join;
  Duration at{};                         // when it ran, since the start of the run
  bool measured = true;                  // false: nothing to agree on (loss)
  bool agreed = false;                   // every running node agreed at one check
  std::optional<Duration> agreed_after;  // since `at`
  // Per-node first agreement, since `at`, over the nodes running when the
  // measurement ended; nullopt if that rank of nodes never agreed.
  std::optional<Duration> p50, p99, max;
  std::size_t nodes_checked = 0;  // running nodes the condition applied to
  std::size_t nodes_agreed = 0;   // of those, how many agreed at least once
  // pause only: did any node declare it dead, and the most nodes that held it
  // suspect at one check.
  bool declared_dead = false;
  std::size_t max_suspecting = 0;
  std::string note;  // why a measurement ended without agreement
};

struct Report {
  ScenarioSpec spec;              // as run: latency and jitter resolved
  std::vector<StepResult> steps;  // [0] is the join, then the steps in order
  Duration join_done{};           // virtual time the join measurement ended
  // First virtual time every node held every other as a live member (alive
  // or suspect) — the join's "everyone knows everyone", which suspicion churn
  // under loss does not postpone the way digest agreement does; nullopt if
  // never (or a node stopped before it).
  std::optional<Duration> everyone_known;
  Duration virtual_elapsed{};  // the whole run
  double wall_seconds = 0;
  std::uint64_t messages = 0;  // sent over the whole run (delivered or not)
  std::uint64_t bytes = 0;
  std::uint64_t messages_after_join = 0;  // sent after the join converged
  std::uint64_t bytes_after_join = 0;
  // Every core's counters summed, restarted ones' earlier lives too.
  membership::CoreStats totals;

  double virtual_seconds() const;
  double messages_per_node_per_s() const;  // whole run
  double bytes_per_node_per_s() const;
  double messages_per_node_per_s_after_join() const;
  double bytes_per_node_per_s_after_join() const;
};

struct ScenarioHooks {
  // Called as each measurement ends (completion order, join first).
  std::function<void(const StepResult&)> on_result;
};

// Runs the scenario. Throws std::invalid_argument with validate()'s message if
// the spec is invalid; what the cores throw (ConfigError) passes through.
Report run_scenario(const ScenarioSpec& spec, const ScenarioHooks& hooks = {});

}  // namespace hearsay::sim
