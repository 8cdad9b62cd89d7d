// What `hearsay cluster` is asked to do: its flags, checked.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "hearsay/config.hpp"

namespace hearsay::tools {

// The launcher's steps (steps.hpp), in their default order.
inline const std::vector<std::string>& all_steps() {
  static const std::vector<std::string> steps{"advertise", "crash",     "pause",  "leave",
                                              "health",    "partition", "restart"};
  return steps;
}

struct ClusterOptions {
  int nodes = 16;
  std::string profile = "lan";
  int services = 4;
  std::string steps_text;  // as given; `steps` after validate()
  std::vector<std::string> steps = all_steps();
  std::string pause_text;  // empty: half the profile's minimum suspicion timeout
  std::chrono::milliseconds pause{0};
  std::string step_timeout_text = "120s";
  std::chrono::milliseconds step_timeout{120'000};
  double rate = 50;  // requests per second through the gateway
  bool non_interactive = false;
  std::string report = "hearsay-cluster-report.json";
  std::string work_dir;  // empty: a fresh directory under /tmp
  int base_port = 0;     // 0: free ports found at run time

  // Parses the text fields and checks ranges; throws UsageError naming the
  // flag. Fills steps, pause and step_timeout.
  void validate();
};

// Registers the flags of `hearsay cluster` on `cmd`, writing into `opts`.
void add_cluster_flags(CLI::App& cmd, ClusterOptions& opts);

// hearsay::Config::lan() / wan() / local() by name; UsageError otherwise.
Config profile_config(const std::string& profile);

// The shortest time a member can stay suspect before it is declared dead in
// a cluster of `members`: suspicion_mult * log10(members) * probe_interval.
std::chrono::milliseconds min_suspicion_timeout(const Config& cfg, int members);

}  // namespace hearsay::tools
