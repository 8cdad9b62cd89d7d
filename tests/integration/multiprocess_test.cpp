// Five hearsay nodes, one per process (hearsay-test-node), on loopback. Each
// child rewrites a status file with its view of the cluster every 50 ms, so
// "the others see X" is read from the other processes themselves. A process
// killed with SIGKILL must be declared dead by the rest; one paused with
// SIGSTOP for less than the suspicion timeout, then continued, must never be.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hearsay/config.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/wait.hpp"

#ifndef HEARSAY_TEST_NODE
#error "HEARSAY_TEST_NODE must name the hearsay-test-node binary"
#endif

namespace hearsay {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using test_support::ChildProcess;
using test_support::ScratchDir;
using test_support::wait_until;

// member name -> state ("alive", "suspect", "dead", "left"), as one child wrote it.
using View = std::map<std::string, std::string>;

View read_view(const std::string& path) {
  View v;
  std::ifstream in(path);
  std::string name, state;
  while (in >> name >> state)
    v[name] = state;
  return v;
}

// The children of one test, each a hearsay-test-node, and their status
// files. Every child is killed and reaped with its ChildProcess.
class Processes {
 public:
  // Starts node `name` and waits for it to print its endpoint. Empty `seed`:
  // the first node. Returns the endpoint, or "" (with a test failure).
  std::string spawn(const std::string& name, const std::string& seed) {
    std::vector<std::string> args = {
        HEARSAY_TEST_NODE,          "--name", name, "--bind", "tcp://127.0.0.1:0", "--status-file",
        dir_.file(name + ".status")};
    if (!seed.empty()) {
      args.push_back("--seed");
      args.push_back(seed);
    }
    names_.push_back(name);
    children_.push_back(std::make_unique<ChildProcess>(args));
    ChildProcess& child = *children_.back();
    const auto has_line = [](const std::string& out, const std::string&) {
      return out.find('\n') != std::string::npos;
    };
    const std::string prefix = "endpoint ";
    const std::string out = child.wait_output(has_line, 10s) ? child.out() : "";
    if (out.rfind(prefix, 0) != 0) {
      ADD_FAILURE() << name << " printed '" << out
                    << "' instead of its endpoint; stderr: " << child.err();
      return {};
    }
    return out.substr(prefix.size(), out.find('\n') - prefix.size());
  }

  std::size_t size() const { return children_.size(); }
  const std::string& name(std::size_t i) const { return names_[i]; }
  View view(std::size_t i) const { return read_view(dir_.file(names_[i] + ".status")); }

  void signal(std::size_t i, int sig) const { ASSERT_TRUE(children_[i]->signal(sig)); }

  // Waits up to `limit` for child i to exit; its exit code (128 + N if signal
  // N killed it), or -1 if it is still running then.
  int wait_exit(std::size_t i, std::chrono::milliseconds limit) {
    return children_[i]->wait_exit(limit).value_or(-1);
  }

 private:
  ScratchDir dir_{"mp"};
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<ChildProcess>> children_;
};

constexpr std::size_t kNodes = 5;

// True if every child shows exactly the children's members, all alive.
bool converged(const Processes& p) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    const auto v = p.view(i);
    if (v.size() != p.size()) return false;
    for (std::size_t j = 0; j < p.size(); ++j) {
      auto it = v.find(p.name(j));
      if (it == v.end() || it->second != "alive") return false;
    }
  }
  return true;
}

// Starts kNodes children, all seeding through the first, and waits until each
// sees all of them alive.
void start_cluster(Processes& p) {
  const auto seed = p.spawn("proc-0", "");
  ASSERT_FALSE(seed.empty());
  for (std::size_t i = 1; i < kNodes; ++i)
    ASSERT_FALSE(p.spawn("proc-" + std::to_string(i), seed).empty());
  ASSERT_TRUE(wait_until([&] { return converged(p); }, 15s)) << "the processes did not converge";
}

// Every child other than those in `skip` shows member `who` in state `st`.
bool others_see(const Processes& p, std::size_t who, const std::string& st,
                const std::vector<std::size_t>& skip) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (std::find(skip.begin(), skip.end(), i) != skip.end()) continue;
    const auto v = p.view(i);
    auto it = v.find(p.name(who));
    if (it == v.end() || it->second != st) return false;
  }
  return true;
}

// The first child other than `who` that shows `who` as dead, or -1.
int someone_sees_dead(const Processes& p, std::size_t who) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i == who) continue;
    const auto v = p.view(i);
    auto it = v.find(p.name(who));
    if (it != v.end() && it->second == "dead") return static_cast<int>(i);
  }
  return -1;
}

// Graceful shutdown: SIGTERM everyone still running, each leaves and exits 0.
void stop_all(Processes& p, const std::vector<std::size_t>& already_gone) {
  for (std::size_t i = 0; i < p.size(); ++i)
    if (std::find(already_gone.begin(), already_gone.end(), i) == already_gone.end())
      p.signal(i, SIGTERM);
  for (std::size_t i = 0; i < p.size(); ++i)
    if (std::find(already_gone.begin(), already_gone.end(), i) == already_gone.end()) {
      EXPECT_EQ(p.wait_exit(i, 10s), 0) << p.name(i) << " did not leave and exit 0 on SIGTERM";
    }
}

TEST(MultiProcess, FiveProcessesConvergeAndAKilledOneIsDeclaredDeadByTheRest) {
  Processes p;
  ASSERT_NO_FATAL_FAILURE(start_cluster(p));

  constexpr std::size_t victim = 3;
  p.signal(victim, SIGKILL);
  EXPECT_EQ(p.wait_exit(victim, 5s), 128 + SIGKILL);  // killed, not exited
  EXPECT_TRUE(wait_until([&] { return others_see(p, victim, "dead", {victim}); }, 15s))
      << "the other processes did not all declare " << p.name(victim) << " dead";
  // Nobody else was harmed by the news.
  for (std::size_t i = 0; i < p.size(); ++i)
    if (i != victim) {
      EXPECT_TRUE(others_see(p, i, "alive", {victim})) << p.name(i);
    }

  stop_all(p, {victim});
}

TEST(MultiProcess, ProcessStoppedShorterThanSuspicionTimeoutIsNeverDeclaredDead) {
  // Lifeguard's minimum suspicion timeout for this cluster size with the
  // local() profile: suspicion_mult * log10(n) * probe_interval (about 1.05 s
  // for n = 5). Even a suspicion confirmed by everyone takes that long.
  const auto cfg = Config::local();
  const auto min_timeout = std::chrono::milliseconds(
      static_cast<long>(cfg.suspicion_mult * std::log10(static_cast<double>(kNodes)) *
                        static_cast<double>(cfg.probe_interval.count())));
  const auto pause = std::min<std::chrono::milliseconds>(500ms, min_timeout / 2);
  ASSERT_GT(min_timeout, pause);

  Processes p;
  ASSERT_NO_FATAL_FAILURE(start_cluster(p));

  constexpr std::size_t sleeper = 2;
  p.signal(sleeper, SIGSTOP);
  const auto stopped_at = Clock::now();
  bool suspected = false;
  const auto watch = [&](Clock::time_point until, const char* phase) {
    while (Clock::now() < until) {
      const int who = someone_sees_dead(p, sleeper);
      if (who >= 0) {
        ADD_FAILURE() << p.name(static_cast<std::size_t>(who)) << " declared " << p.name(sleeper)
                      << " dead " << phase;
        return;
      }
      for (std::size_t i = 0; i < p.size(); ++i)
        if (i != sleeper && p.view(i)[p.name(sleeper)] == "suspect") suspected = true;
      std::this_thread::sleep_for(10ms);
    }
  };
  watch(stopped_at + pause, "while it was stopped");
  p.signal(sleeper, SIGCONT);
  const auto continued_at = Clock::now();
  EXPECT_LT(continued_at - stopped_at, min_timeout) << "the pause overran the suspicion timeout";
  watch(continued_at + 5s, "after it was continued");
  // It is (again) alive for everyone: any suspicion was refuted.
  EXPECT_TRUE(wait_until([&] { return others_see(p, sleeper, "alive", {sleeper}); }, 5s));
  RecordProperty("sleeper_was_suspected", suspected ? "yes" : "no");

  stop_all(p, {});
}

}  // namespace
}  // namespace hearsay
