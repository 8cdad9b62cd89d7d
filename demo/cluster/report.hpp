// The end of a run: per-step figures (agreement time, traffic), the summary
// table printed to stdout and the JSON report.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "demo/cluster/steps.hpp"
#include "demo/cluster/traffic.hpp"

namespace hearsay::tools {

// The traffic of one phase: requests sent from its action to its end.
struct PhaseTraffic {
  TrafficFigures all;
  int errors_in_window = 0;        // sent between the action and agreement
  int errors_after_agreement = 0;  // sent after agreement, before the phase ended
  int routed_after_agreement = 0;  // answered by (or tried last on) an excluded instance/member
};

PhaseTraffic phase_traffic(const Phase& p, const std::vector<Request>& requests,
                           Clock::time_point run_end);

// Agreed within the bound, nothing routed to an excluded instance after
// agreement, no gateway error after agreement.
bool phase_ok(const Phase& p, const PhaseTraffic& t);

struct RunResult {
  Phase start;
  std::vector<Phase> phases;
  std::vector<std::string> skipped;  // steps not run after a failure
  bool interrupted = false;
  std::string error;  // a failure outside the steps
  Clock::time_point end;
};

// The aligned table: step, target, agreed in, bound, requests, errors,
// errors in window, routed after agreement, ok.
std::string summary_table(const RunResult& r, const std::vector<Request>& requests);

nlohmann::json report_json(const RunResult& r, const std::vector<Request>& requests,
                           nlohmann::json config, nlohmann::json processes);

bool run_ok(const RunResult& r, const std::vector<Request>& requests);

}  // namespace hearsay::tools
