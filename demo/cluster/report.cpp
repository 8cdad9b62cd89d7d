#include "demo/cluster/report.hpp"

#include <algorithm>
#include <cstdio>

namespace hearsay::tools {

using nlohmann::json;

PhaseTraffic phase_traffic(const Phase& p, const std::vector<Request>& requests,
                           Clock::time_point run_end) {
  PhaseTraffic t;
  const auto end = p.end == Clock::time_point{} ? run_end : p.end;
  const auto excluded_until = p.excluded_until.value_or(run_end);
  for (const auto& r : requests) {
    const bool excluded =
        p.excluded_instances.count(r.instance) > 0 || p.excluded_members.count(r.member) > 0;
    // An excluded instance counts from agreement until it is brought back,
    // even past this phase: the cluster said it is gone.
    if (p.agreed && r.sent > *p.agreed && r.sent < excluded_until && excluded)
      ++t.routed_after_agreement;
    if (r.sent < p.action || r.sent >= end) continue;
    ++t.all.requests;
    if (r.ok()) {
      ++t.all.successes;
      ++t.all.spread[r.instance];
      continue;
    }
    ++t.all.errors;
    if (!p.agreed || r.sent <= *p.agreed)
      ++t.errors_in_window;
    else
      ++t.errors_after_agreement;
  }
  return t;
}

bool phase_ok(const Phase& p, const PhaseTraffic& t) {
  return p.agreed && p.error.empty() && *p.agreed - p.action <= p.bound &&
         t.routed_after_agreement == 0 && t.errors_after_agreement == 0 &&
         (p.excluded_instances.empty() || p.retries_after_agreement == 0);
}

namespace {

std::string secs(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::string spread_text(const std::map<std::string, int>& spread) {
  std::string s;
  for (const auto& [id, n] : spread)
    s += (s.empty() ? "" : " ") + id + ":" + std::to_string(n);
  return s;
}

json phase_json(const Phase& p, const PhaseTraffic& t, bool ok) {
  json j{{"step", p.step},
         {"target", p.target},
         {"agreed_ms", p.agreed ? json(p.agreed_in()->count()) : json(nullptr)},
         {"bound_ms", p.bound.count()},
         {"ok", ok},
         {"requests", t.all.requests},
         {"successes", t.all.successes},
         {"errors", t.all.errors},
         {"errors_in_window", t.errors_in_window},
         {"errors_after_agreement", t.errors_after_agreement},
         {"routed_after_agreement", t.routed_after_agreement},
         {"gateway_retries", p.retries},
         {"gateway_retries_after_agreement", p.retries_after_agreement},
         {"spread", t.all.spread}};
  if (!p.note.empty()) j["note"] = p.note;
  if (!p.error.empty()) j["error"] = p.error;
  if (!p.excluded_instances.empty() || !p.excluded_members.empty())
    j["excluded"] = {{"instances", p.excluded_instances}, {"members", p.excluded_members}};
  return j;
}

}  // namespace

std::string summary_table(const RunResult& r, const std::vector<Request>& requests) {
  std::vector<std::vector<std::string>> rows{{"STEP", "TARGET", "AGREED IN", "BOUND", "REQUESTS",
                                              "ERRORS", "IN WINDOW", "RETRIES", "ROUTED AFTER",
                                              "OK"}};
  const auto row = [&](const Phase& p) {
    const auto t = phase_traffic(p, requests, r.end);
    rows.push_back({p.step, p.target, p.agreed ? secs(*p.agreed_in()) : "-", secs(p.bound),
                    std::to_string(t.all.requests), std::to_string(t.all.errors),
                    std::to_string(t.errors_in_window), std::to_string(p.retries),
                    std::to_string(t.routed_after_agreement), phase_ok(p, t) ? "ok" : "FAILED"});
  };
  row(r.start);
  for (const auto& p : r.phases)
    row(p);
  for (const auto& s : r.skipped)
    rows.push_back({s, "(not run)", "-", "-", "-", "-", "-", "-", "-", "-"});
  std::vector<std::size_t> width(rows[0].size(), 0);
  // Display width: the target column may hold multi-byte characters.
  const auto display = [](const std::string& s) {
    std::size_t n = 0;
    for (const char c : s)  // count every byte but UTF-8 continuation bytes
      n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
    return n;
  };
  for (const auto& rw : rows)
    for (std::size_t i = 0; i < rw.size(); ++i)
      width[i] = std::max(width[i], display(rw[i]));
  std::string out;
  for (const auto& rw : rows) {
    std::string line;
    for (std::size_t i = 0; i < rw.size(); ++i) {
      line += rw[i];
      if (i + 1 < rw.size()) line += std::string(width[i] - display(rw[i]) + 2, ' ');
    }
    out += line + "\n";
  }
  // Where the requests went, per phase.
  out += "\nrequests answered per instance:\n";
  const auto spread_row = [&](const Phase& p) {
    const auto t = phase_traffic(p, requests, r.end);
    out += "  " + p.step + " (" + p.target +
           "): " + (t.all.spread.empty() ? "-" : spread_text(t.all.spread)) + "\n";
  };
  for (const auto& p : r.phases)
    spread_row(p);
  return out;
}

bool run_ok(const RunResult& r, const std::vector<Request>& requests) {
  if (r.interrupted || !r.error.empty() || !r.skipped.empty() || !r.start.agreed) return false;
  for (const auto& p : r.phases)
    if (!phase_ok(p, phase_traffic(p, requests, r.end))) return false;
  return true;
}

json report_json(const RunResult& r, const std::vector<Request>& requests, json config,
                 json processes) {
  json steps = json::array();
  TrafficFigures total;
  int window_errors = 0, after_errors = 0, routed_after = 0;
  long retries = 0;
  for (const auto& p : r.phases) {
    const auto t = phase_traffic(p, requests, r.end);
    steps.push_back(phase_json(p, t, phase_ok(p, t)));
    window_errors += t.errors_in_window;
    after_errors += t.errors_after_agreement;
    routed_after += t.routed_after_agreement;
    retries += p.retries;
  }
  for (const auto& q : requests) {
    ++total.requests;
    if (q.ok()) {
      ++total.successes;
      ++total.spread[q.instance];
    } else {
      ++total.errors;
    }
  }
  const auto start_t = phase_traffic(r.start, requests, r.end);
  json j{{"config", std::move(config)},
         {"converged_ms", r.start.agreed ? json(r.start.agreed_in()->count()) : json(nullptr)},
         {"start", phase_json(r.start, start_t, phase_ok(r.start, start_t))},
         {"steps", steps},
         {"skipped", r.skipped},
         {"totals",
          {{"requests", total.requests},
           {"successes", total.successes},
           {"errors", total.errors},
           {"errors_in_windows", window_errors},
           {"errors_after_agreement", after_errors},
           {"routed_after_agreement", routed_after},
           {"gateway_retries", retries},
           {"spread", total.spread}}},
         {"processes", std::move(processes)},
         {"interrupted", r.interrupted},
         {"ok", run_ok(r, requests)}};
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

}  // namespace hearsay::tools
