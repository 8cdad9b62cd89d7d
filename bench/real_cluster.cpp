// hearsay_real_cluster: N hearsay::Node instances in this process over real
// ZeroMQ on loopback. Measures the time for one service advertisement to
// reach every node's registry (repeated), then the process's CPU use and
// resident memory while the converged cluster idles.
//
//   build/bench/hearsay_real_cluster --nodes 8 --rounds 20 --idle 20 [--profile lan|local] [--ipc]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hearsay/node.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto tv = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return tv(u.ru_utime) + tv(u.ru_stime);
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t nodes = 8;
  int rounds = 20;
  int idle_s = 20;
  bool local = false;
  bool ipc = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "hearsay_real_cluster: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--nodes")
      nodes = std::stoul(next());
    else if (a == "--rounds")
      rounds = std::stoi(next());
    else if (a == "--idle")
      idle_s = std::stoi(next());
    else if (a == "--profile")
      local = next() == "local";
    else if (a == "--ipc")
      ipc = true;
    else {
      std::fprintf(stderr, "hearsay_real_cluster: unknown option '%s'\n", a.c_str());
      return 2;
    }
  }
  const long rss_before = rss_kib();
  std::vector<std::unique_ptr<hearsay::Node>> cluster;
  for (std::size_t i = 0; i < nodes; ++i) {
    auto c = local ? hearsay::Config::local() : hearsay::Config::lan();
    c.name = "n" + std::to_string(i);
    c.bind = ipc ? "ipc:///tmp/hearsay-bench-" + std::to_string(::getpid()) + "-" + c.name
                 : "tcp://127.0.0.1:0";
    if (i > 0) c.seeds = {cluster[0]->endpoint()};
    cluster.push_back(std::make_unique<hearsay::Node>(c));
  }
  const auto all_alive = [&] {
    for (const auto& n : cluster) {
      std::size_t alive = 0;
      for (const auto& m : n->members())
        alive += m.state == hearsay::MemberState::alive;
      if (alive != nodes) return false;
    }
    return true;
  };
  const auto t0 = Clock::now();
  while (!all_alive()) {
    if (Clock::now() - t0 > 30s) {
      std::fprintf(stderr, "no convergence in 30 s\n");
      return 1;
    }
    std::this_thread::sleep_for(1ms);
  }
  std::printf("converged: %zu nodes in %.1f ms\n", nodes,
              std::chrono::duration<double, std::milli>(Clock::now() - t0).count());

  std::vector<double> ms;
  for (int r = 0; r < rounds; ++r) {
    hearsay::Service s;
    s.name = "bench";
    s.id = "bench-" + std::to_string(r);
    s.endpoint = "http://127.0.0.1:" + std::to_string(8000 + r);
    auto& owner = *cluster[static_cast<std::size_t>(r) % nodes];
    const auto start = Clock::now();
    owner.advertise(s);
    for (;;) {
      bool everywhere = true;
      for (const auto& n : cluster) {
        bool has = false;
        for (const auto& inst : n->registry().lookup("bench"))
          has |= inst.service.id == s.id;
        everywhere &= has;
      }
      if (everywhere) break;
      if (Clock::now() - start > 10s) {
        std::fprintf(stderr, "round %d: not everywhere after 10 s\n", r);
        return 1;
      }
      std::this_thread::sleep_for(50us);
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    owner.withdraw(s.id);
    std::this_thread::sleep_for(300ms);
  }
  std::printf(
      "advertisement reaches all %zu nodes: p50 %.2f ms, p90 %.2f ms, max %.2f ms (%d rounds)\n",
      nodes, percentile(ms, 0.5), percentile(ms, 0.9), percentile(ms, 1.0), rounds);

  std::this_thread::sleep_for(2s);  // let the withdrawals settle
  const double cpu0 = cpu_seconds();
  const auto w0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(idle_s));
  const double wall = std::chrono::duration<double>(Clock::now() - w0).count();
  const double cpu = cpu_seconds() - cpu0;
  const long rss = rss_kib();
  std::printf("idle: %.3f%% of one core per node (%.3f s CPU for %zu nodes over %.1f s)\n",
              100.0 * cpu / wall / static_cast<double>(nodes), cpu, nodes, wall);
  std::printf("memory: %ld KiB resident for the process, ~%ld KiB per node (%ld KiB before)\n", rss,
              (rss - rss_before) / static_cast<long>(nodes), rss_before);
  return 0;
}
