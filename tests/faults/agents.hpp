// The bed's agents: `hearsay agent` processes, one per slot, each on its own
// loopback address (slot i is node "n<i+2>" on 127.0.0.<i+2>:7946, so
// iptables can act per node and per link), its control API on
// 127.0.0.1:<9002+i> (outside every fault: the bed observes through it).
// Every agent dies with the thread that started it (PR_SET_PDEATHSIG; start
// them from main) and is SIGKILLed and reaped on destruction.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"

namespace hearsay::faults {

struct AgentSetup {
  std::string binary;  // the hearsay CLI
  std::string profile = "lan";
  int seeds = 3;  // every agent joins through the first `seeds` slots (but itself)
  std::vector<std::string> extra_args;  // e.g. {"--tombstone-timeout", "20s"}
};

// Resident memory of a process, from /proc (KiB; 0 if unreadable).
struct Memory {
  std::uint64_t rss_kib = 0;      // VmRSS
  std::uint64_t private_kib = 0;  // Private_Clean + Private_Dirty (smaps_rollup)
};
Memory memory_of(pid_t pid);

class Cluster {
 public:
  Cluster(AgentSetup setup, int size);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  int size() const { return static_cast<int>(slots_.size()); }
  static std::string name_of(int slot) { return "n" + std::to_string(slot + 2); }
  static std::string ip_of(int slot) { return "127.0.0." + std::to_string(slot + 2); }
  static std::string endpoint_of(int slot) { return "tcp://" + ip_of(slot) + ":7946"; }
  static int http_port_of(int slot) { return 9002 + slot; }
  std::vector<std::string> names() const;
  std::vector<std::string> ips(const std::vector<int>& slots) const;

  // Starts slot i (again, after a crash: same name and endpoint) with extra
  // agent flags (e.g. a --service). Throws std::runtime_error if it cannot.
  void start(int slot, const std::vector<std::string>& extra = {});
  void start_all();
  // SIGKILL (the kernel resets its connections) and reap.
  void crash(int slot);
  // SIGSTOP / SIGCONT (the bed drops its packets separately).
  void pause(int slot);
  void resume(int slot);

  bool running(int slot);
  bool paused(int slot) const { return slots_[static_cast<std::size_t>(slot)].paused; }
  pid_t pid(int slot) const;
  int starts(int slot) const { return slots_[static_cast<std::size_t>(slot)].starts; }
  // Unix ms of the slot's latest start.
  std::int64_t started_ms(int slot) const {
    return slots_[static_cast<std::size_t>(slot)].started_ms;
  }
  // What the agent wrote to stderr (its exit, for failure messages).
  std::string output(int slot) const;
  // Slots whose agent exited without being crashed by the bed: "n5: exited with 1: ...".
  std::vector<std::string> unexpected_exits();

 private:
  struct Slot {
    std::unique_ptr<test_support::ChildProcess> process;
    int starts = 0;
    bool paused = false;
    std::int64_t started_ms = 0;
  };
  Slot& at(int slot) { return slots_.at(static_cast<std::size_t>(slot)); }

  AgentSetup setup_;
  std::vector<Slot> slots_;
};

// Unix time in ms (the agents stamp their events with the same clock).
std::int64_t now_ms();

}  // namespace hearsay::faults
