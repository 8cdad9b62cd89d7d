// hearsay_convergence: convergence and failure-detection curves from the
// simulator, for cluster sizes up to 5,000 nodes (10,000 with --with-10000).
//
// For each size N it runs one scenario (tests/sim/scenario.hpp): N nodes join
// through node 0; once the join converged, node N/2 advertises a service, and
// 10 s later node N-1 crashes. It reports the join time, the advertisement's
// propagation (per-node p50, p99, max), the crash's detection (per-node p50,
// max: until each node holds it dead) and the traffic per node, as a table and
// as JSON.
//
// For comparison, the rumor-spreading bound: push gossip with fanout k informs
// all N nodes in about log_k(N) rounds (Pittel: log_2 N + ln N rounds for
// k = 1, i.e. O(log N)). The table prints log_fanout(N) rounds, and that many
// gossip intervals (the periodic-gossip bound) next to the measured times.
// Eager forwarding (DESIGN §2) spends the same transmissions within a few ms
// per hop, so measured propagation should sit well under the periodic bound.
// Detection is bounded below by the Lifeguard suspicion timeout,
// suspicion_mult * log10(N) * probe_interval, plus up to a probe interval or
// two before the first probe of the crashed node fails.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "tests/sim/protocol_json.hpp"
#include "tests/sim/scenario.hpp"

namespace {

using hearsay::sim::Duration;
using json = nlohmann::ordered_json;

double seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}
json opt_seconds(const std::optional<Duration>& d) {
  return d ? json(seconds(*d)) : json(nullptr);
}
std::string cell(const std::optional<Duration>& d) {
  if (!d) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", seconds(*d));
  return buf;
}

hearsay::sim::Step step(const std::string& text) {
  auto parsed = hearsay::sim::parse_step(text);
  if (!parsed.ok()) throw std::logic_error(parsed.error);
  return std::move(*parsed.step);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {100, 500, 1000, 2000, 5000};
  bool with_10000 = false;
  std::size_t max_nodes = 10000;
  std::uint64_t seed = 1;
  std::string profile = "lan";
  std::string out_path = "convergence.json";

  CLI::App app{"hearsay_convergence: join, propagation and detection times by cluster size"};
  app.add_option("--sizes", sizes, "cluster sizes to run")->delimiter(',')->capture_default_str();
  app.add_flag("--with-10000", with_10000, "also run 10,000 nodes (slow)");
  app.add_option("--max-nodes", max_nodes, "skip sizes above this")->capture_default_str();
  app.add_option("--seed", seed, "root seed")->capture_default_str();
  app.add_option("--profile", profile, "lan, wan or local")->capture_default_str();
  app.add_option("--out", out_path, "JSON output file")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    for (auto& c : what)
      if (c == '\n') c = ' ';
    std::cerr << "hearsay_convergence: " << what << '\n';
    return 2;
  }
  if (with_10000) sizes.push_back(10000);
  const auto config = hearsay::sim::profile_params(profile);
  if (!config) {
    std::cerr << "hearsay_convergence: --profile: must be lan, wan or local\n";
    return 2;
  }

  std::printf("%7s %8s | %9s %9s %9s %7s %9s | %9s %9s | %9s %9s | %7s\n", "nodes", "join_s",
              "prop_p50", "prop_p99", "prop_max", "rounds", "gossip_s", "det_p50", "det_max",
              "msg/n/s", "B/n/s", "wall_s");
  json results = json::array();
  for (const auto n : sizes) {
    if (n < 2 || n > max_nodes) continue;
    hearsay::sim::ScenarioSpec spec;
    spec.nodes = n;
    spec.profile = profile;
    spec.seed = seed;
    spec.duration = {};  // until both measurements settled
    spec.check_every = std::chrono::milliseconds(n >= 2000 ? 10 : 5);
    spec.steps = {step("0s:advertise:" + std::to_string(n / 2) + ":bench"),
                  step("+10s:crash:" + std::to_string(n - 1))};
    hearsay::sim::Report r;
    try {
      r = hearsay::sim::run_scenario(spec);
    } catch (const std::exception& e) {
      std::cerr << "hearsay_convergence: " << n << " nodes: " << e.what() << '\n';
      return 1;
    }
    const auto& join = r.steps.at(0);
    const auto& adv = r.steps.at(1);
    const auto& crash = r.steps.at(2);
    // The rumor-spreading bound: log_fanout(N) rounds of gossip.
    const double rounds =
        std::log(static_cast<double>(n)) / std::log(static_cast<double>(config->gossip_fanout));
    const double gossip_bound_s =
        rounds * std::chrono::duration<double>(config->gossip_interval).count();

    std::printf("%7zu %8s | %9s %9s %9s %7.2f %9.3f | %9s %9s | %9.2f %9.0f | %7.1f\n", n,
                cell(join.agreed_after).c_str(), cell(adv.p50).c_str(), cell(adv.p99).c_str(),
                cell(adv.max).c_str(), rounds, gossip_bound_s, cell(crash.p50).c_str(),
                cell(crash.max).c_str(), r.messages_per_node_per_s_after_join(),
                r.bytes_per_node_per_s_after_join(), r.wall_seconds);
    std::fflush(stdout);

    results.push_back(
        {{"nodes", n},
         {"join_s", opt_seconds(join.agreed_after)},
         {"propagation",
          {{"agreed", adv.agreed},
           {"p50_s", opt_seconds(adv.p50)},
           {"p99_s", opt_seconds(adv.p99)},
           {"max_s", opt_seconds(adv.max)}}},
         {"detection",
          {{"agreed", crash.agreed},
           {"p50_s", opt_seconds(crash.p50)},
           {"max_s", opt_seconds(crash.max)}}},
         {"bound", {{"log_fanout_n_rounds", rounds}, {"periodic_gossip_s", gossip_bound_s}}},
         {"traffic",
          {{"messages_per_node_per_s", r.messages_per_node_per_s_after_join()},
           {"bytes_per_node_per_s", r.bytes_per_node_per_s_after_join()}}},
         {"protocol", hearsay::sim::protocol_json(r.totals)},
         {"virtual_seconds", r.virtual_seconds()},
         {"wall_seconds", r.wall_seconds}});
  }

  json doc = {{"profile", profile},
              {"seed", seed},
              {"gossip_fanout", config->gossip_fanout},
              {"gossip_interval_s", std::chrono::duration<double>(config->gossip_interval).count()},
              {"results", std::move(results)}};
  std::ofstream out(out_path);
  out << doc.dump(2) << '\n';
  if (!out) {
    std::cerr << "hearsay_convergence: --out: cannot write '" << out_path << "'\n";
    return 1;
  }
  std::printf("report: %s\n", out_path.c_str());
  return 0;
}
