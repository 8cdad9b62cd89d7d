// The fault scenarios of issue 9, as functions of their parameters, so the
// CI subset (tests/faults/fault_test.cpp, N = 8, ~20 s windows) and the full
// matrix (bench/faults_matrix.cpp, the sizes) run the same code. Each
// starts its own agents in the bed's namespace, injects its faults, records
// what every agent says, and returns figures; it asserts nothing itself.
// Call them from the main thread (the agents die with the thread that starts
// them) after enter_private_network() succeeded.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearsay::faults {

using Seconds = std::chrono::duration<double>;

struct Bed {
  std::string agent;            // path of the hearsay CLI
  std::ostream* log = nullptr;  // progress lines, if wanted
  std::string profile = "lan";
};

// Lifeguard's bound on a silent member being declared dead by everyone, for
// the profile's timers: a full round of probes until someone's probe of it
// fails (n probe intervals), the longest suspicion timeout
// (suspicion_max_timeout_mult * suspicion_mult * max(1, log10 n) probe
// intervals: no confirmation at all), and 2 s for the news to spread.
double lifeguard_bound_s(int nodes, const std::string& profile = "lan");

// What every scenario reports about the run.
struct Common {
  int nodes = 0;
  double loss = 0;                         // random loss on every packet among the agents
  std::optional<double> join_s;            // last start -> every agent lists every other alive
  int suspect_events = 0;                  // "suspect" member events recorded by all agents
  int suspicions_raised = 0;               // suspicions raised by own failed probes (sum of agents)
  int false_suspicions = 0;                // suspect events about live, reachable nodes
  int false_deaths = 0;                    // dead events about live, reachable nodes
  int indirect_probes = 0;                 // ping-reqs sent (sum of agents), in the window
  unsigned long long packets_dropped = 0;  // by the bed's rules, the whole run
  std::string false_death_lines;           // who declared whom dead, when
  std::string first_false_death_story;     // every event about the first one's subject
  double msgs_per_node_s = 0;              // messages sent per agent per second, in the window
  double bytes_per_node_s = 0;             // bytes sent per agent per second, in the window
  double window_s = 0;                     // the window those rates are over
  std::uint64_t rss_kib_max = 0;           // largest agent VmRSS at the end
  std::uint64_t private_kib_max = 0;
  std::vector<std::string> exits;  // agents that exited on their own
  std::string timeline;            // member events, for failure messages
  // Every counter (`hearsay_*_total`, per label set) summed over the agents
  // running at the end, over the whole run: where the traffic and hints went.
  std::map<std::string, double> totals;
  std::map<std::string, int> suspected;  // undeserved suspect events, by subject
  std::map<std::string, int> raised_by;  // suspicions raised, by agent (its own probes)

  nlohmann::json to_json() const;
};

// 1. Random loss on every packet from before the first start: everyone joins,
// then `observe` of steady state (from convergence, or from the end of the
// join limit if it never came).
struct LossParams {
  int nodes = 16;
  double loss = 0.2;
  Seconds join_limit{60};
  Seconds observe{120};
};
struct LossResult : Common {
  int min_alive_seen = 0;  // fewest members (itself included) an agent lists alive at the end
  nlohmann::json to_json() const;
};
LossResult run_loss(const Bed& bed, const LossParams& p);

// 2. Two-way partition into halves (first half of the slots vs the second),
// held for at least `hold` and until each side lists the other dead (at most
// `detect_limit`), then healed: every agent must list every one alive with
// equal digests.
struct PartitionParams {
  int nodes = 16;
  Seconds hold{60};
  Seconds detect_limit{60};
  Seconds heal_limit{60};
};
struct PartitionResult : Common {
  std::optional<double> split_detected_s;  // split -> every agent lists the other side dead
  double held_s = 0;
  std::optional<double> healed_s;         // heal -> all alive everywhere, equal digests (polls)
  std::optional<double> healed_events_s;  // heal -> all alive everywhere (agents' stamps)
  std::string heal_state;                 // what the agents said at the end of the heal wait
  // Deaths of a node on the observer's own side between the heal and the
  // agreement: the other side's news of its death, believed until refuted.
  int heal_relapses = 0;
  std::string heal_relapse_lines;
  nlohmann::json to_json() const;
};
PartitionResult run_partition(const Bed& bed, const PartitionParams& p);

// 3. One link's fault for `duration`: a one-way partition (slot 0's packets
// to slot 1 dropped, slot 1's reach slot 0), or a flapping link between them
// (`down` dropped both ways, `up` clear, repeated).
struct LinkParams {
  int nodes = 16;
  bool flap = false;
  Seconds duration{60};
  Seconds down{2};
  Seconds up{2};
  Seconds settle_limit{30};
};
struct LinkResult : Common {
  std::optional<double> settled_s;  // end of the fault -> all alive, equal digests
  nlohmann::json to_json() const;
};
LinkResult run_link(const Bed& bed, const LinkParams& p);

// 4. Crash and/or stall at the same instant: slot `crash` SIGKILLed, slot
// `stall` cut off by the firewall (no RST) and SIGSTOPped. Waits until every
// live agent lists each dead (at most `detect_limit`), holds `hold` in all,
// then resumes the stalled one: it must refute and rejoin, and every agent
// list it alive (and the crashed one dead) with equal digests.
struct CrashStallParams {
  int nodes = 16;
  std::optional<int> crash = 2;
  std::optional<int> stall = 3;
  Seconds detect_limit{90};
  Seconds hold{0};
  Seconds resume_limit{60};
};
struct CrashStallResult : Common {
  double bound_s = 0;                  // lifeguard_bound_s(nodes)
  std::optional<double> crash_dead_s;  // fault -> every live agent lists it dead
  std::optional<double> stall_dead_s;
  std::vector<double> crash_detect_s;  // fault -> each live observer's dead event
  std::vector<double> stall_detect_s;
  std::optional<double> resumed_s;  // resume -> everyone agrees (polls), equal digests
  int refutations = 0;              // the stalled agent's, after it resumed
  std::string resume_state;
  nlohmann::json to_json() const;
};
CrashStallResult run_crash_stall(const Bed& bed, const CrashStallParams& p);

// 5. Rolling restarts under loss: every slot in turn SIGKILLed and restarted
// with the same name and endpoint and a new generation of its service
// ("churn", id = its name, tag "gen-<k>"), `gap` between them. Then every
// agent must list exactly `nodes` live members, no other entry, each
// member's current service once; and after the tombstone timeout no dead or
// left entry may remain.
struct ChurnParams {
  int nodes = 32;
  double loss = 0.2;
  Seconds down{1};  // killed -> restarted
  Seconds gap{4};   // restarted -> next one killed
  Seconds tombstone{30};
  Seconds join_limit{90};
  Seconds settle_limit{120};
};
struct ChurnResult : Common {
  std::optional<double> settled_s;  // last restart -> exactly the current cluster everywhere
  int ghosts = 0;                   // entries of names not in the cluster, at the end
  int duplicates = 0;               // a member listed twice by one agent
  int stale_services = 0;           // instances of an old generation (or missing), at the end
  int not_alive = 0;                // (agent, member) pairs not alive at the end
  int tombstones_left = 0;          // dead/left entries after the tombstone timeout
  std::string end_state;
  nlohmann::json to_json() const;
};
ChurnResult run_churn(const Bed& bed, const ChurnParams& p);

// 6. A flood: from its own address (the slot after the last agent), a peer
// the cluster does not know sends `rate` well-formed pings per second to
// slot 1 for `duration`, and never reads the acks.
struct FloodParams {
  int nodes = 16;
  int rate = 10'000;
  Seconds duration{30};
};
struct FloodResult : Common {
  int rate = 0;  // pings per second asked for
  double duration_s = 0;
  std::uint64_t sent = 0;          // pings the flooder's socket accepted
  std::uint64_t refused = 0;       // pings its socket refused (queue full)
  double received = 0;             // messages the victim read (transport_received delta)
  double victim_send_dropped = 0;  // acks it dropped (the flooder never reads)
  double victim_probes = 0;        // probes the victim sent during the flood
  int victim_dead_events = 0;      // dead events about the victim, anywhere
  std::uint64_t rss_before_kib = 0, rss_peak_kib = 0, rss_end_kib = 0;
  std::uint64_t rss_mid_kib = 0;  // halfway through the flood
  nlohmann::json to_json() const;
};
FloodResult run_flood(const Bed& bed, const FloodParams& p);

}  // namespace hearsay::faults
