// hearsay-faults: issue 9's fault matrix on real `hearsay agent` processes in
// a private network namespace (tests/faults, docs/reliability.md). Runs
// every scenario at the sizes (or a quicker matrix), prints a table
// and writes a JSON report. Needs root and iptables.
//
//   build/bench/hearsay-faults --matrix full --json faults.json
//   build/bench/hearsay-faults --matrix quick --only loss,partition
//   build/bench/hearsay-faults --list
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/faults/netns.hpp"
#include "tests/faults/scenarios.hpp"

namespace {

using namespace hearsay::faults;
using namespace std::chrono_literals;
using nlohmann::json;

// HashiCorp Serf 0.9.4, LAN defaults, 16 agents, 120 s after convergence,
// iptables random drop on every packet (issue 9).
struct SerfFigures {
  int suspicions, false_failures;
  double join_s;
};
const std::map<int, SerfFigures> kSerf = {{0, {0, 0, 1.4}},
                                          {10, {6, 0, 3.6}},
                                          {20, {45, 0, 3.0}},
                                          {30, {164, 0, 6.9}},
                                          {40, {197, 6, 7.7}}};

struct Entry {
  std::string name;    // "loss-20", "partition", ...
  std::string family;  // for --only: loss, partition, one-way, flap, stall, churn, flood
  std::string what;    // one line for --list
  std::function<json(const Bed&)> run;
};

// `v` with `decimals` digits after the point.
std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string s_or_never(const json& v) {
  return v.is_number() ? fixed(v.get<double>(), 1) + " s" : "never";
}

std::vector<Entry> matrix(const std::string& which) {
  const bool full = which == "full";
  const int n = full ? 16 : 8;
  const auto observe = full ? 120s : 20s;
  std::vector<Entry> out;
  for (const int loss : {0, 10, 20, 30, 40}) {
    LossParams p;
    p.nodes = n;
    p.loss = loss / 100.0;
    p.join_limit = full ? 60s : 30s;
    p.observe = observe;
    out.push_back({"loss-" + std::to_string(loss), "loss",
                   std::to_string(n) + " agents, " + std::to_string(loss) +
                       " % random loss on every packet from before the start, " +
                       fixed(p.observe.count(), 0) + " s observed after joining",
                   [p](const Bed& bed) { return run_loss(bed, p).to_json(); }});
  }
  {
    PartitionParams p;
    p.nodes = n;
    p.hold = full ? 60s : 20s;
    p.detect_limit = Seconds(lifeguard_bound_s(n));
    p.heal_limit = 60s;
    out.push_back({"partition", "partition",
                   std::to_string(n) + " agents split in halves for " + fixed(p.hold.count(), 0) +
                       " s, then healed",
                   [p](const Bed& bed) { return run_partition(bed, p).to_json(); }});
  }
  for (const bool flap : {false, true}) {
    LinkParams p;
    p.nodes = n;
    p.flap = flap;
    p.duration = full ? 60s : 20s;
    out.push_back({flap ? "flap" : "one-way", flap ? "flap" : "one-way",
                   std::to_string(n) + " agents, " +
                       (flap ? "the link n2<->n3 down 2 s, up 2 s"
                             : "n2's packets to n3 dropped (n3's reach n2)") +
                       " for " + fixed(p.duration.count(), 0) + " s",
                   [p](const Bed& bed) { return run_link(bed, p).to_json(); }});
  }
  {
    CrashStallParams p;
    p.nodes = n;
    p.crash = 2;
    p.stall = 5;
    p.detect_limit = Seconds(lifeguard_bound_s(n) + 10);
    p.hold = full ? 20s : 10s;
    p.resume_limit = 60s;
    out.push_back({"crash-stall", "stall",
                   std::to_string(n) + " agents, n4 SIGKILLed and n7 stalled (packets dropped, " +
                       "SIGSTOP) at once; n7 resumed " + fixed(p.hold.count(), 0) +
                       " s after both are dead everywhere",
                   [p](const Bed& bed) { return run_crash_stall(bed, p).to_json(); }});
  }
  {
    ChurnParams p;
    p.nodes = full ? 32 : 8;
    p.loss = 0.2;
    p.tombstone = 30s;  // the least the lan profile allows (its gossip_to_the_dead)
    out.push_back({"churn", "churn",
                   std::to_string(p.nodes) + " agents, 20 % loss, each in turn SIGKILLed and " +
                       "restarted (same name and endpoint, a new service generation), " +
                       fixed(p.down.count() + p.gap.count(), 0) + " s apart; tombstones " +
                       fixed(p.tombstone.count(), 0) + " s",
                   [p](const Bed& bed) { return run_churn(bed, p).to_json(); }});
  }
  {
    FloodParams p;
    p.nodes = n;
    p.rate = 10'000;
    p.duration = full ? 30s : 10s;
    out.push_back({"flood", "flood",
                   std::to_string(n) + " agents, an unknown peer sends n3 " +
                       std::to_string(p.rate) + " well-formed pings/s for " +
                       fixed(p.duration.count(), 0) + " s and never reads the acks",
                   [p](const Bed& bed) { return run_flood(bed, p).to_json(); }});
  }
  return out;
}

// One table row per scenario: its headline figures.
std::string headline(const std::string& name, const json& r) {
  std::ostringstream o;
  if (name.rfind("loss-", 0) == 0) {
    o << "join " << s_or_never(r["join_s"]) << ", suspicions raised " << r["suspicions_raised"]
      << " (suspect events " << r["suspect_events"] << "), false deaths " << r["false_deaths"]
      << ", fewest alive seen " << r["min_alive_seen"] << ", "
      << fixed(r["msgs_per_node_s"].get<double>(), 1) << " msgs/node/s, "
      << fixed(r["bytes_per_node_s"].get<double>(), 0) << " B/node/s";
  } else if (name == "partition") {
    o << "sides dead after " << s_or_never(r["split_detected_s"]) << ", healed "
      << s_or_never(r["healed_s"]) << " after the heal (relapses " << r["heal_relapses"]
      << "), false deaths " << r["false_deaths"];
  } else if (name == "one-way" || name == "flap") {
    o << "false deaths " << r["false_deaths"] << ", false suspicions " << r["false_suspicions"]
      << ", agreement " << s_or_never(r["settled_s"]) << " after the fault";
  } else if (name == "crash-stall") {
    o << "crashed dead everywhere " << s_or_never(r["crash_dead_s"]) << ", stalled "
      << s_or_never(r["stall_dead_s"]) << " (bound " << s_or_never(r["lifeguard_bound_s"])
      << "), agreement " << s_or_never(r["resumed_s"]) << " after the resume, refutations "
      << r["refutations"] << ", false deaths " << r["false_deaths"];
  } else if (name == "churn") {
    o << "settled " << s_or_never(r["settled_s"]) << " after the last restart; ghosts "
      << r["ghosts"] << ", duplicates " << r["duplicates"] << ", stale services "
      << r["stale_services"] << ", not alive " << r["not_alive"] << ", tombstones left "
      << r["tombstones_left"];
  } else if (name == "flood") {
    o << r["sent"] << " sent (" << r["refused"] << " refused), victim read " << r["received"]
      << ", dropped " << r["victim_send_dropped"] << " acks, probed " << r["victim_probes"]
      << " times, RSS " << r["rss_before_kib"] << " -> peak " << r["rss_peak_kib"] << " KiB, "
      << "declared dead " << r["victim_dead_events"] << " times";
  }
  return o.str();
}

std::string now_utc() {
  const auto t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything can start a thread: the agents must live in the namespace.
  const auto problem = enter_private_network();

  CLI::App app{"issue 9's fault matrix on real hearsay agents (docs/reliability.md)"};
  std::string which = "full", json_path, agent = HEARSAY_AGENT_BIN, only;
  bool list = false, quiet = false;
  app.add_option("--matrix", which, "full (the issue's sizes, ~25 min) or quick (N = 8, ~6 min)")
      ->check(CLI::IsMember({"full", "quick"}));
  app.add_option("--only", only,
                 "comma-separated families (loss,partition,one-way,flap,stall,churn,flood) or "
                 "scenario names (loss-40, crash-stall, ...)");
  app.add_option("--json", json_path, "write the JSON report here");
  app.add_option("--agent", agent, "the hearsay CLI to run as agents");
  app.add_flag("--list", list, "list the scenarios and exit");
  app.add_flag("--quiet", quiet, "no progress lines");
  CLI11_PARSE(app, argc, argv);

  std::set<std::string> wanted;
  std::stringstream in(only);
  for (std::string f; std::getline(in, f, ',');)
    if (!f.empty()) wanted.insert(f);
  std::vector<Entry> entries;
  for (auto& e : matrix(which))
    if (wanted.empty() || wanted.count(e.family) || wanted.count(e.name))
      entries.push_back(std::move(e));
  if (list) {
    for (const auto& e : entries)
      std::printf("%-12s %s\n", e.name.c_str(), e.what.c_str());
    return 0;
  }
  if (!problem.empty()) {
    std::fprintf(stderr, "hearsay-faults: cannot run the fault bed: %s\n", problem.c_str());
    return 2;
  }

  Bed bed;
  bed.agent = agent;
  bed.log = quiet ? nullptr : &std::cerr;
  std::string command;
  for (int i = 0; i < argc; ++i)
    command += (i ? " " : "") + std::string(argv[i]);
  json report = {{"command", command},
                 {"matrix", which},
                 {"started", now_utc()},
                 {"profile", bed.profile},
                 {"scenarios", json::array()}};
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& e : entries) {
    std::cerr << "== " << e.name << ": " << e.what << "\n";
    json result;
    try {
      result = e.run(bed);
    } catch (const std::exception& ex) {
      result = {{"error", ex.what()}};
    }
    report["scenarios"].push_back({{"name", e.name}, {"what", e.what}, {"result", result}});
    rows.emplace_back(e.name, result.contains("error")
                                  ? "error: " + result["error"].get<std::string>()
                                  : headline(e.name, result));
    if (!json_path.empty()) std::ofstream(json_path) << report.dump(2) << "\n";
  }
  // Issue 9, 1: traffic at 40 % loss against the no-loss traffic, and Serf's figures.
  std::map<std::string, json> by_name;
  for (const auto& s : report["scenarios"])
    by_name[s["name"].get<std::string>()] = s["result"];
  if (by_name.count("loss-0") && by_name.count("loss-40") &&
      by_name["loss-0"].contains("msgs_per_node_s") &&
      by_name["loss-0"]["msgs_per_node_s"].get<double>() > 0)
    report["traffic_ratio_40_to_0"] = by_name["loss-40"]["msgs_per_node_s"].get<double>() /
                                      by_name["loss-0"]["msgs_per_node_s"].get<double>();
  json serf = json::object();
  for (const auto& [loss, f] : kSerf)
    serf[std::to_string(loss)] = {
        {"suspicions", f.suspicions}, {"false_failures", f.false_failures}, {"join_s", f.join_s}};
  report["serf_0_9_4"] = serf;
  report["finished"] = now_utc();
  if (!json_path.empty()) std::ofstream(json_path) << report.dump(2) << "\n";

  std::printf("\n%-12s %s\n", "scenario", "figures");
  for (const auto& [name, row] : rows)
    std::printf("%-12s %s\n", name.c_str(), row.c_str());
  if (report.contains("traffic_ratio_40_to_0"))
    std::printf("traffic at 40 %% loss / no loss: %.2fx (issue: at most 3x)\n",
                report["traffic_ratio_40_to_0"].get<double>());
  std::printf(
      "Serf 0.9.4 (16 agents, 120 s): suspicions 0/6/45/164/197, false failures "
      "0/0/0/0/6, join 1.4/3.6/3.0/6.9/7.7 s at 0/10/20/30/40 %% loss\n");
  return 0;
}
