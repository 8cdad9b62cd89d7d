// hearsay-sim: runs a scripted scenario on a simulated cluster (the real
// protocol core on a virtual network) and reports how long each step took the
// cluster to agree on, as a table and as JSON.
//
//   hearsay-sim --demo
//   hearsay-sim --nodes 200 --profile lan --loss 0.01 --duration 60s
//       --step 5s:advertise:3:web --step 10s:crash:7 --out report.json
//
// Usage errors print one line naming the flag and exit 2; a run that fails
// exits 1.
//
// The JSON report:
//   {
//     "spec": { "nodes", "profile", "latency_ms", "jitter_ms", "loss", "seed",
//               "duration_s" (null: until every step settled), "steps": [ "5s:crash:7", ... ] },
//     "steps": [            // [0] is the join, then one entry per step, in order
//       { "at_s":           virtual seconds since the start when it ran,
//         "step":           the step as written ("join" for the join),
//         "kind":           advertise, crash, ... ,
//         "agreed":         true when every running node agreed at one check;
//                           null when there is nothing to agree on (loss, not run),
//         "agreed_after_s": seconds from the step to that check, null if never,
//         "p50_s", "p99_s", "max_s":
//                           per-node seconds to first agreement (null: that rank
//                           of nodes never agreed),
//         "nodes_checked", "nodes_agreed",
//         "declared_dead", "max_suspecting":   pause steps only,
//         "note":           why a step did not run or agree (when it did not) } ],
//     "traffic": { "messages_per_node_per_s", "bytes_per_node_per_s" (whole run),
//                  "messages_total", "bytes_total",
//                  "after_join": { "messages_per_node_per_s", "bytes_per_node_per_s" } },
//     "protocol": { every protocol counter of hearsay/stats.hpp, summed over all
//                   cores (suspicions_raised: failed probes that accused someone;
//                   suspicions: suspect transitions on every node; refutations,
//                   deaths_declared, ...), "messages_out_by_type", "dropped" },
//     "everyone_known_after_s": first virtual second every node held every
//                   other as a live member (null: never, or a node stopped first),
//     "wall_seconds", "virtual_seconds"
//   }
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "tests/sim/protocol_json.hpp"
#include "tests/sim/scenario.hpp"

namespace {

using hearsay::sim::Duration;
using hearsay::sim::Report;
using hearsay::sim::ScenarioSpec;
using hearsay::sim::StepKind;
using hearsay::sim::StepResult;
using json = nlohmann::ordered_json;  // keeps the documented field order

constexpr int kUsageError = 2;
constexpr int kRunError = 1;

// A usage error: one line, naming the flag.
struct UsageError {
  std::string flag;
  std::string reason;
};

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ')
    s.pop_back();
  return s;
}

std::optional<double> parse_number(std::string_view s) {
  double v = 0;
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc{} || p != end) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view s) {
  std::uint64_t v = 0;
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc{} || p != end) return std::nullopt;
  return v;
}

Duration from_ms(double ms) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(ms));
}

double seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

// The demo: join, advertise, crash, a short pause, a 50/50 partition for 60 s
// and its heal, the crashed node back, a graceful leave.
std::vector<std::string> demo_steps() {
  return {"5s:advertise:3:web", "10s:crash:7", "25s:pause:4",    "28s:resume:4",
          "35s:partition",      "95s:heal",    "150s:restart:7", "170s:leave:9"};
}

// --- flags ---

struct Flags {
  std::string nodes, profile = "lan", latency_ms, jitter_ms, loss = "0", seed = "1", duration;
  std::vector<std::string> steps;
  std::string out;
  bool demo = false;
  bool quiet = false;
};

std::optional<UsageError> to_spec(const Flags& f, ScenarioSpec& spec) {
  const auto bad = [](std::string flag, std::string reason) {
    return std::optional<UsageError>(UsageError{std::move(flag), std::move(reason)});
  };
  spec.profile = f.profile;
  if (!hearsay::sim::profile_params(f.profile))
    return bad("--profile", "must be lan, wan or local (got '" + f.profile + "')");
  const std::string nodes = f.nodes.empty() ? "50" : f.nodes;
  const auto n = parse_unsigned(nodes);
  if (!n || *n < 1 || *n > hearsay::sim::kMaxScenarioNodes)
    return bad("--nodes", "must be an integer between 1 and " +
                              std::to_string(hearsay::sim::kMaxScenarioNodes) + " (got '" + nodes +
                              "')");
  spec.nodes = static_cast<std::size_t>(*n);
  if (!f.latency_ms.empty()) {
    const auto v = parse_number(f.latency_ms);
    if (!v || !(*v >= 0 && *v <= 600000))
      return bad("--latency-ms", "must be a number of milliseconds between 0 and 600000 (got '" +
                                     f.latency_ms + "')");
    spec.latency = from_ms(*v);
  }
  if (!f.jitter_ms.empty()) {
    const auto v = parse_number(f.jitter_ms);
    if (!v || !(*v >= 0 && *v <= 600000))
      return bad("--jitter-ms", "must be a number of milliseconds between 0 and 600000 (got '" +
                                    f.jitter_ms + "')");
    spec.jitter = from_ms(*v);
  }
  const auto loss = parse_number(f.loss);
  if (!loss || !(*loss >= 0 && *loss <= 1))
    return bad("--loss", "must be between 0 and 1 (got '" + f.loss + "')");
  spec.loss = *loss;
  const auto seed = parse_unsigned(f.seed);
  if (!seed) return bad("--seed", "must be an unsigned integer (got '" + f.seed + "')");
  spec.seed = *seed;
  if (!f.duration.empty()) {
    const auto d = f.duration == "0" ? std::optional<Duration>(Duration{})
                                     : hearsay::sim::parse_duration(f.duration);
    if (!d)
      return bad("--duration", "'" + f.duration + "' is not a duration like 60s, 1500ms or 2m");
    spec.duration = *d;
  }
  if (f.demo && !f.steps.empty()) return bad("--step", "cannot be combined with --demo");
  if (f.demo && spec.nodes < 10)
    return bad("--nodes",
               "--demo needs at least 10 nodes (got " + std::to_string(spec.nodes) + ")");
  for (const auto& text : f.demo ? demo_steps() : f.steps) {
    auto parsed = hearsay::sim::parse_step(text);
    if (!parsed.ok()) return bad("--step", parsed.error);
    spec.steps.push_back(std::move(*parsed.step));
  }
  if (const auto e = hearsay::sim::validate(spec)) return bad("--" + e->field, e->reason);
  return std::nullopt;
}

// --- output ---

json opt_seconds(const std::optional<Duration>& d) {
  return d ? json(seconds(*d)) : json(nullptr);
}

json to_json(const Report& r) {
  json spec = {
      {"nodes", r.spec.nodes},
      {"profile", r.spec.profile},
      {"latency_ms", seconds(r.spec.latency.value_or(Duration{})) * 1e3},
      {"jitter_ms", seconds(r.spec.jitter.value_or(Duration{})) * 1e3},
      {"loss", r.spec.loss},
      {"seed", r.spec.seed},
      {"duration_s", r.spec.duration.count() > 0 ? json(seconds(r.spec.duration)) : json(nullptr)},
      {"steps", json::array()}};
  for (const auto& s : r.spec.steps)
    spec["steps"].push_back(s.text);

  json steps = json::array();
  for (const auto& s : r.steps) {
    json j = {{"at_s", seconds(s.at)},
              {"step", s.step},
              {"kind", std::string(hearsay::sim::to_string(s.kind))},
              {"agreed", s.measured ? json(s.agreed) : json(nullptr)},
              {"agreed_after_s", opt_seconds(s.agreed_after)},
              {"p50_s", opt_seconds(s.p50)},
              {"p99_s", opt_seconds(s.p99)},
              {"max_s", opt_seconds(s.max)},
              {"nodes_checked", s.nodes_checked},
              {"nodes_agreed", s.nodes_agreed}};
    if (s.kind == StepKind::pause) {
      j["declared_dead"] = s.declared_dead;
      j["max_suspecting"] = s.max_suspecting;
    }
    if (!s.note.empty()) j["note"] = s.note;
    steps.push_back(std::move(j));
  }
  return {
      {"spec", std::move(spec)},
      {"steps", std::move(steps)},
      {"traffic",
       {{"messages_per_node_per_s", r.messages_per_node_per_s()},
        {"bytes_per_node_per_s", r.bytes_per_node_per_s()},
        {"messages_total", r.messages},
        {"bytes_total", r.bytes},
        {"after_join",
         {{"messages_per_node_per_s", r.messages_per_node_per_s_after_join()},
          {"bytes_per_node_per_s", r.bytes_per_node_per_s_after_join()}}}}},
      {"protocol", hearsay::sim::protocol_json(r.totals)},
      {"everyone_known_after_s",
       r.everyone_known ? nlohmann::json(std::chrono::duration<double>(*r.everyone_known).count())
                        : nlohmann::json(nullptr)},
      {"wall_seconds", r.wall_seconds},
      {"virtual_seconds", r.virtual_seconds()}};
}

// 0.0123 s -> "12.3ms", 4.2 s -> "4.20s".
std::string human(const std::optional<Duration>& d) {
  if (!d) return "-";
  const double s = seconds(*d);
  char buf[32];
  if (s < 1.0)
    std::snprintf(buf, sizeof buf, "%.1fms", s * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.2fs", s);
  return buf;
}

// "10s:crash:7" -> "crash n7", "5s:advertise:3:web" -> "advertise n3 web".
std::string describe(const StepResult& s) {
  if (s.kind == StepKind::join) return s.step;
  std::vector<std::string> parts;
  std::string part;
  for (const char c : s.step + ":") {
    if (c != ':') {
      part += c;
      continue;
    }
    parts.push_back(part);
    part.clear();
  }
  std::string text = parts.size() > 1 ? parts[1] : s.step;
  const bool node_first =
      s.kind != StepKind::partition && s.kind != StepKind::heal && s.kind != StepKind::loss;
  for (std::size_t i = 2; i < parts.size(); ++i)
    text += (i == 2 && node_first ? " n" : " ") + parts[i];
  return text;
}

void print_header(std::ostream& os, const ScenarioSpec& spec) {
  const auto link = *hearsay::sim::profile_link(spec.profile);
  const auto latency = spec.latency.value_or(link.latency);
  const auto jitter = spec.jitter.value_or(std::min(link.jitter, latency));
  os << "hearsay-sim: " << spec.nodes << " nodes, " << spec.profile << " profile, latency "
     << hearsay::sim::format_duration(latency) << " +-" << hearsay::sim::format_duration(jitter)
     << ", loss " << spec.loss << ", seed " << spec.seed << "\n";
  os << "agreed in: until every running node agreed; p50/p99: per-node time to first agree\n\n";
  char line[160];
  std::snprintf(line, sizeof line, "%9s  %-24s %10s %10s %10s  %s\n", "at", "step", "agreed in",
                "p50", "p99", "");
  os << line;
}

void print_row(std::ostream& os, const StepResult& s) {
  std::string outcome;
  std::string after = "-";
  if (!s.measured) {
    outcome = s.note;
  } else if (s.agreed) {
    after = human(s.agreed_after);
  } else {
    after = "no";
    outcome = s.note;
    if (s.nodes_checked > 0)
      outcome += " (" + std::to_string(s.nodes_agreed) + "/" + std::to_string(s.nodes_checked) +
                 " nodes agreed)";
  }
  if (s.kind == StepKind::pause) {
    outcome = s.agreed          ? "declared dead by all"
              : s.declared_dead ? "declared dead by some"
                                : "not declared dead";
    outcome += ", suspected by up to " + std::to_string(s.max_suspecting) + " nodes";
    after = s.agreed ? human(s.agreed_after) : "-";
  }
  char at[32];
  std::snprintf(at, sizeof at, "%.2fs", seconds(s.at));
  char line[512];
  std::snprintf(line, sizeof line, "%9s  %-24s %10s %10s %10s  %s\n", at, describe(s).c_str(),
                after.c_str(), s.kind == StepKind::pause && !s.agreed ? "-" : human(s.p50).c_str(),
                s.kind == StepKind::pause && !s.agreed ? "-" : human(s.p99).c_str(),
                outcome.c_str());
  os << line << std::flush;
}

void print_footer(std::ostream& os, const Report& r) {
  char line[400];
  std::snprintf(line, sizeof line,
                "\ntraffic: %.1f messages and %.0f bytes per node per second (%.1f and %.0f "
                "after the join)\n",
                r.messages_per_node_per_s(), r.bytes_per_node_per_s(),
                r.messages_per_node_per_s_after_join(), r.bytes_per_node_per_s_after_join());
  os << line;
  os << "everyone knew everyone after: " << human(r.everyone_known) << "\n";
  os << "protocol: " << r.totals.suspicions_raised << " suspicions raised (" << r.totals.suspicions
     << " suspect transitions across nodes), " << r.totals.refutations << " refutations, "
     << r.totals.deaths_declared << " deaths declared\n";
  std::snprintf(line, sizeof line, "time: %.1f virtual seconds in %.2f wall seconds\n",
                r.virtual_seconds(), r.wall_seconds);
  os << line;
}

std::string default_demo_out() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "hearsay-sim-demo.json";
  return (exe.parent_path() / "hearsay-sim-demo.json").string();
}

int usage(const std::string& flag, const std::string& reason) {
  std::cerr << "hearsay-sim: " << one_line(flag.empty() ? reason : flag + ": " + reason) << '\n';
  return kUsageError;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  CLI::App app{
      "hearsay-sim: run a scenario on a simulated hearsay cluster and report how long "
      "each step took to converge",
      "hearsay-sim"};
  app.allow_extras();
  app.add_option("--nodes", f.nodes, "cluster size (default 50)")->type_name("N");
  app.add_option("--profile", f.profile, "lan, wan or local: protocol timers and link defaults")
      ->type_name("NAME")
      ->capture_default_str();
  app.add_option("--latency-ms", f.latency_ms, "one-way link latency in ms (default: profile's)")
      ->type_name("MS");
  app.add_option("--jitter-ms", f.jitter_ms, "uniform +- jitter in ms (default: profile's)")
      ->type_name("MS");
  app.add_option("--loss", f.loss, "probability a message is lost, 0..1")
      ->type_name("P")
      ->capture_default_str();
  app.add_option("--seed", f.seed, "root seed; the same seed gives the same run")
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--duration", f.duration,
                 "run length, e.g. 60s (default: until every step settled)")
      ->type_name("TIME");
  app.add_option("--step", f.steps,
                 "AT:KIND[:ARGS], repeatable: 5s:advertise:3:web, 10s:crash:7, 1500ms:pause:4, "
                 "+3s:resume:4, 20s:partition[:0-49], 80s:heal, 90s:restart:7, 100s:leave:9, "
                 "withdraw:NODE:SERVICE, loss:P")
      ->allow_extra_args(false)
      ->type_name("STEP");
  app.add_option("--out", f.out,
                 "write the JSON report here (default: stdout; --demo: next to "
                 "the binary)")
      ->type_name("FILE");
  app.add_flag("--demo", f.demo, "run the demo scenario (50 nodes, LAN)");
  app.add_flag("--quiet", f.quiet, "no table, only the JSON report");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage({}, e.what());
  }
  if (const auto extras = app.remaining(); !extras.empty()) {
    const auto& first = extras.front();
    if (first.starts_with("-"))
      return usage(first.substr(0, first.find('=')), "unknown option (see --help)");
    return usage({}, "unexpected argument '" + first + "' (see --help)");
  }

  ScenarioSpec spec;
  if (const auto e = to_spec(f, spec)) return usage(e->flag, e->reason);

  // Open the report file before the run, so a bad path fails at once.
  std::string out_path = f.out;
  if (out_path.empty() && f.demo) out_path = default_demo_out();
  std::ofstream out_file;
  if (!out_path.empty()) {
    out_file.open(out_path, std::ios::out | std::ios::trunc);
    if (!out_file) return usage("--out", "cannot write '" + out_path + "'");
  }
  // The table goes to stdout unless the JSON does.
  std::ostream& table = out_path.empty() ? std::cerr : std::cout;

  hearsay::sim::ScenarioHooks hooks;
  if (!f.quiet) {
    print_header(table, spec);
    hooks.on_result = [&table](const StepResult& s) { print_row(table, s); };
  }
  Report report;
  try {
    report = hearsay::sim::run_scenario(spec, hooks);
  } catch (const std::exception& e) {
    std::cerr << "hearsay-sim: run failed: " << one_line(e.what()) << '\n';
    return kRunError;
  }
  if (!f.quiet) print_footer(table, report);

  const auto doc = to_json(report).dump(2);
  if (out_path.empty()) {
    std::cout << doc << '\n';
  } else {
    out_file << doc << '\n';
    out_file.close();
    if (!out_file) {
      std::cerr << "hearsay-sim: --out: writing '" << out_path << "' failed\n";
      return kRunError;
    }
    if (!f.quiet) table << "report: " << out_path << '\n';
  }
  return 0;
}
