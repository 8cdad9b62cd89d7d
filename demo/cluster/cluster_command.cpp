// `hearsay cluster`: starts the demo cluster, runs the steps, reports,
// and tears everything down whatever happens.
#include "demo/cluster/cluster_command.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "demo/cluster/cluster.hpp"
#include "demo/cluster/cluster_options.hpp"
#include "demo/cluster/live_view.hpp"
#include "demo/cluster/observer.hpp"
#include "demo/cluster/process.hpp"
#include "demo/cluster/report.hpp"
#include "demo/cluster/steps.hpp"
#include "demo/cluster/timeline.hpp"
#include "demo/cluster/traffic.hpp"
#include "demo/common/errors.hpp"

namespace hearsay::tools {

namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_stop_signal(int) {
  g_interrupted = true;
}

// Ctrl-C, SIGTERM and SIGHUP only raise a flag: the launcher then stops its
// children in order. The previous handlers come back on destruction.
class InterruptFlag {
 public:
  InterruptFlag() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < 3; ++i)
      sigaction(kSignals[i], &sa, &old_[i]);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &old_pipe_);  // a child closing a connection is no reason to die
  }
  ~InterruptFlag() {
    for (std::size_t i = 0; i < 3; ++i)
      sigaction(kSignals[i], &old_[i], nullptr);
    sigaction(SIGPIPE, &old_pipe_, nullptr);
  }
  InterruptFlag(const InterruptFlag&) = delete;
  InterruptFlag& operator=(const InterruptFlag&) = delete;

 private:
  static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction old_[3]{};
  struct sigaction old_pipe_ {};
};

fs::path make_work_dir(const std::string& wanted) {
  if (!wanted.empty()) {
    std::error_code ec;
    fs::create_directories(wanted, ec);
    if (ec || !fs::is_directory(wanted))
      throw UsageError("--work-dir: cannot create '" + wanted + "'" +
                       (ec ? ": " + ec.message() : ""));
    return fs::absolute(wanted);
  }
  std::string tmpl = "/tmp/hearsay-cluster-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("cannot create a work directory under /tmp");
  return tmpl;
}

nlohmann::json config_json(const ClusterOptions& o, Cluster& cluster, const StepRunner& steps,
                           const fs::path& work) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : cluster.nodes())
    nodes.push_back({{"name", n.name},
                     {"endpoint", n.endpoint()},
                     {"http", "127.0.0.1:" + std::to_string(n.http_port)},
                     {"half", n.half}});
  nlohmann::json echoes = nlohmann::json::array();
  for (const auto& e : cluster.echoes())
    echoes.push_back({{"id", e.id}, {"agent", e.agent}, {"endpoint", e.url()}});
  return {{"nodes", o.nodes},
          {"profile", o.profile},
          {"services", o.services},
          {"steps", o.steps},
          {"pause_ms", o.pause.count()},
          {"step_timeout_ms", o.step_timeout.count()},
          {"rate", o.rate},
          {"work_dir", work.string()},
          {"members", nodes},
          {"instances", echoes},
          {"plan", steps.plan_json()}};
}

int run_cluster(ClusterOptions& opts) {
  opts.validate();
  const bool interactive = !opts.non_interactive && ::isatty(STDOUT_FILENO) != 0;
  const fs::path self = fs::read_symlink("/proc/self/exe");
  const fs::path bin_dir = self.parent_path();
  for (const char* sibling : {"hearsay-gateway", "hearsay-echo"})
    if (::access((bin_dir / sibling).c_str(), X_OK) != 0)
      throw std::runtime_error(std::string(sibling) + " not found next to " + self.string() +
                               " (build it: cmake --build <dir> --target hearsay-cli)");
  const fs::path work = make_work_dir(opts.work_dir);
  g_interrupted = false;
  InterruptFlag interrupt_flag;
  const auto start = Clock::now();

  // Declared first, destroyed last: whatever throws below, every child is
  // stopped and reaped on the way out.
  ProcessRegistry processes;
  Cluster cluster(opts, work, bin_dir, processes);
  Timeline timeline(start, !interactive, stdout);
  Progress progress;
  std::vector<Observer::Target> targets;
  std::vector<std::string> names;
  for (const auto& n : cluster.nodes()) {
    targets.push_back({n.name, n.http_port});
    names.push_back(n.name);
  }
  Observer observer(targets, std::chrono::milliseconds(100));
  StepRunner steps(cluster, observer, timeline, opts, g_interrupted, progress);
  Traffic traffic(cluster.gateway().http_port, opts.rate);

  std::printf(
      "hearsay cluster: %d agents + gateway, %d instances of web, profile %s, steps %s\n"
      "logs: %s\n",
      opts.nodes, opts.services, opts.profile.c_str(),
      [&] {
        std::string s;
        for (const auto& st : opts.steps)
          s += (s.empty() ? "" : ",") + st;
        return s;
      }()
          .c_str(),
      work.c_str());
  std::fflush(stdout);

  std::optional<LiveView> view;
  if (interactive) {
    view.emplace(names, observer, timeline, progress, traffic, start, stdout);
    view->start();
  }
  RunResult result;
  try {
    result.start = steps.converge();
    if (result.start.agreed) {
      traffic.start();
      steps.settle(std::chrono::seconds(1));
      steps.run(result.phases);
    }
  } catch (const Interrupted&) {
    result.interrupted = true;
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  result.end = Clock::now();
  traffic.stop();
  if (view) view->stop();
  if (result.interrupted) timeline.add("interrupted: stopping every process");
  if (!result.error.empty()) timeline.add("error: " + result.error);
  for (const auto& step : opts.steps) {
    bool ran = false;
    for (const auto& p : result.phases)
      ran = ran || p.step == step;
    if (!ran) result.skipped.push_back(step);
  }

  processes.stop_all();
  nlohmann::json procs = nlohmann::json::array();
  for (const auto& c : processes.children())
    procs.push_back({{"name", c.name}, {"pid", c.pid}, {"end", c.describe()}});

  const auto requests = traffic.requests();
  const auto report = report_json(result, requests, config_json(opts, cluster, steps, work), procs);
  std::printf("\n%s", summary_table(result, requests).c_str());
  {
    std::ofstream out(opts.report);
    out << report.dump(2) << "\n";
    if (!out) throw std::runtime_error("cannot write the report to " + opts.report);
  }
  const bool ok = report["ok"].get<bool>();
  std::printf("\n%s; report: %s; logs: %s\n",
              result.interrupted ? "interrupted"
              : ok               ? "all steps ok"
                                 : "FAILED",
              opts.report.c_str(), work.c_str());
  std::fflush(stdout);
  return result.interrupted ? 130 : ok ? 0 : 1;
}

}  // namespace

void add_cluster_command(CLI::App& app) {
  auto opts = std::make_shared<ClusterOptions>();
  auto* cmd = app.add_subcommand(
      "cluster",
      "Run the demo: N agents, example services and the gateway on loopback, a live view, and a "
      "scripted run (crash, pause, leave, health, partition, restart) timed until every node "
      "agrees (docs/demo.md)");
  add_cluster_flags(*cmd, *opts);
  cmd->callback([opts] {
    const int code = run_cluster(*opts);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace hearsay::tools
