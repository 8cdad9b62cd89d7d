// The launcher's steps (advertise, crash, pause, leave, health, partition,
// restart: the simulator's words for the same events, tests/sim/scenario.hpp):
// each acts on the real cluster, then polls every live node until they all
// agree on the outcome (agreement.hpp), measuring the time from the action to
// agreement against a bound.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "demo/cluster/agreement.hpp"
#include "demo/cluster/cluster.hpp"
#include "demo/cluster/observer.hpp"
#include "demo/cluster/timeline.hpp"

namespace hearsay::tools {

// Ctrl-C or SIGTERM reached the launcher.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

// One measured agreement (a step has one or two: fail and recover, split and heal).
struct Phase {
  std::string step;    // "crash"
  std::string target;  // "node-02 dead"
  std::string note;    // anything worth saying ("stopped for 2.5s, suspected by 3")
  std::chrono::milliseconds bound{0};
  Clock::time_point action{}, end{};
  std::optional<Clock::time_point> agreed;
  std::string error;  // why the step failed ("" if it agreed in time)
  // After agreement no request may reach these, until `excluded_until`
  // (a later action that brings them back, or the end of the run).
  std::set<std::string> excluded_instances, excluded_members;
  std::optional<Clock::time_point> excluded_until;
  // Gateway retries (connection failures retried on another instance).
  long retries = 0, retries_after_agreement = 0;

  std::optional<std::chrono::milliseconds> agreed_in() const;
};

// What the live view shows as the current activity.
class Progress {
 public:
  void set(std::string label);
  std::pair<std::string, Clock::time_point> get() const;

 private:
  mutable std::mutex mu_;
  std::string label_ = "starting";
  Clock::time_point since_ = Clock::now();
};

class StepRunner {
 public:
  StepRunner(Cluster& cluster, Observer& observer, Timeline& log, const ClusterOptions& opts,
             const std::atomic<bool>& interrupted, Progress& progress);

  // Waits until every node sees every other alive, all digests are equal and
  // every instance passes. The phase's error says why if not.
  Phase converge();
  // Runs the chosen steps in order; stops after the first that fails.
  // Phases are appended to `out` as they finish. Throws Interrupted.
  void run(std::vector<Phase>& out);
  // Keeps the event tracker going for `d` (between steps).
  void settle(std::chrono::milliseconds d);

  // Who does what, chosen before anything runs (for the log and report).
  nlohmann::json plan_json() const;

 private:
  using Invariant = std::function<std::string(const Snapshot&, Clock::time_point since)>;

  void plan();
  // Polls until `cond` holds (true) or the bound passes, a child dies or the
  // invariant breaks (false, error set).
  bool wait_agreement(Phase& p, const Condition& cond, const Invariant& inv = nullptr,
                      Clock::time_point since = {});
  void check_interrupted() const;
  // Starts the phase's clock and runs its action; false, with the phase's
  // error set, if the action threw.
  bool act(Phase& p, const std::function<void()>& action);
  Phase begin(const std::string& step, const std::string& target);
  void finish(Phase& p, std::vector<Phase>& out);
  long gateway_retries() const;

  void step_advertise(std::vector<Phase>& out);
  void step_crash(std::vector<Phase>& out);
  void step_pause(std::vector<Phase>& out);
  void step_leave(std::vector<Phase>& out);
  void step_health(std::vector<Phase>& out);
  void step_partition(std::vector<Phase>& out);
  void step_restart(std::vector<Phase>& out);

  // SIGKILLs agent `name` and its instances (a machine dying); the phase
  // agrees once every live node sees it dead.
  void crash(Phase& p, const std::string& name);

  // Names of the nodes up and answering (agents and gateway).
  std::vector<std::string> live() const;

  Cluster& cluster_;
  Observer& observer_;
  Timeline& log_;
  ViewTracker tracker_;
  bool announce_ = false;
  const ClusterOptions& opts_;
  const std::atomic<bool>& interrupted_;
  Progress& progress_;

  std::string crash_target_, leave_target_, health_echo_, advertise_target_, pause_target_;
  std::string crashed_;  // the agent the crash step took down (restart brings it back)
  std::optional<std::size_t> crash_phase_;  // its index in the output
};

}  // namespace hearsay::tools
