#include "demo/cluster/cluster_options.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "demo/common/duration.hpp"
#include "demo/common/errors.hpp"

namespace hearsay::tools {

void add_cluster_flags(CLI::App& cmd, ClusterOptions& o) {
  cmd.add_option("--nodes,-n", o.nodes, "Agents to start (at least 4)")->capture_default_str();
  cmd.add_option("--profile", o.profile, "Timers: lan (memberlist's defaults), wan or local")
      ->capture_default_str();
  cmd.add_option("--services", o.services, "Instances of service \"web\" at the start")
      ->capture_default_str();
  cmd.add_option("--steps", o.steps_text,
                 "Comma-separated steps: advertise,crash,pause,leave,health,partition,restart "
                 "(default: all, in that order)");
  cmd.add_option("--pause", o.pause_text,
                 "How long the pause step stops a node (default: half the profile's minimum "
                 "suspicion timeout)");
  cmd.add_option("--step-timeout", o.step_timeout_text,
                 "Every step must reach agreement within this")
      ->capture_default_str();
  cmd.add_option("--rate", o.rate, "Requests per second through the gateway (0: none)")
      ->capture_default_str();
  cmd.add_flag("--non-interactive", o.non_interactive,
               "Plain lines instead of the live view (automatic when stdout is not a terminal)");
  cmd.add_option("--report", o.report, "Where to write the JSON report")->capture_default_str();
  cmd.add_option("--work-dir", o.work_dir, "Directory for logs (default: a new one under /tmp)");
  cmd.add_option("--base-port", o.base_port,
                 "First of a block of consecutive ports to use (default: free ports found at run "
                 "time)");
}

Config profile_config(const std::string& profile) {
  if (profile == "lan") return Config::lan();
  if (profile == "wan") return Config::wan();
  if (profile == "local") return Config::local();
  throw UsageError("--profile: '" + profile + "' is not one of lan, wan, local");
}

std::chrono::milliseconds min_suspicion_timeout(const Config& cfg, int members) {
  const double n = std::max(1.0, std::log10(static_cast<double>(std::max(members, 1))));
  return std::chrono::milliseconds(static_cast<std::int64_t>(
      std::llround(cfg.suspicion_mult * n * static_cast<double>(cfg.probe_interval.count()))));
}

void ClusterOptions::validate() {
  if (nodes < 4 || nodes > 200)
    throw UsageError("--nodes: " + std::to_string(nodes) + " is out of range (4 to 200)");
  const Config cfg = profile_config(profile);
  if (services < 1 || services > 100)
    throw UsageError("--services: " + std::to_string(services) + " is out of range (1 to 100)");
  if (!steps_text.empty()) {
    steps.clear();
    std::set<std::string> seen;
    std::stringstream in(steps_text);
    std::string step;
    while (std::getline(in, step, ',')) {
      if (step.empty()) continue;
      const auto& known = all_steps();
      if (std::find(known.begin(), known.end(), step) == known.end())
        throw UsageError("--steps: unknown step '" + step +
                         "' (choose from advertise,crash,pause,leave,health,partition,restart)");
      if (!seen.insert(step).second) throw UsageError("--steps: '" + step + "' given twice");
      steps.push_back(step);
    }
    if (steps.empty()) throw UsageError("--steps: no step given");
  }
  if (pause_text.empty()) {
    // The gateway is a member too.
    pause = min_suspicion_timeout(cfg, nodes + 1) / 2;
  } else {
    try {
      pause = parse_duration(pause_text);
    } catch (const UsageError& e) {
      throw UsageError(std::string("--pause: ") + e.what());
    }
    if (pause.count() <= 0) throw UsageError("--pause: must be longer than 0");
  }
  try {
    step_timeout = parse_duration(step_timeout_text);
  } catch (const UsageError& e) {
    throw UsageError(std::string("--step-timeout: ") + e.what());
  }
  if (step_timeout < std::chrono::seconds(1))
    throw UsageError("--step-timeout: must be at least 1s");
  if (!(rate >= 0 && rate <= 1000))
    throw UsageError("--rate: " + std::to_string(rate) + " is out of range (0 to 1000)");
  if (report.empty()) throw UsageError("--report: must not be empty");
  if (base_port != 0 && (base_port < 1024 || base_port > 60000))
    throw UsageError("--base-port: " + std::to_string(base_port) +
                     " is out of range (1024 to 60000)");
}

}  // namespace hearsay::tools
