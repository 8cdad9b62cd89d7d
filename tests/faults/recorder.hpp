// What the agents themselves say, recorded while a scenario runs: one thread
// per agent polls its control API (127.0.0.1, outside every fault) about five
// times a second: GET /v1/status (members by state, digest) and
// GET /v1/events (member events, each stamped by the agent with time_ms).
// A stopped agent only delays its own thread (short HTTP timeouts).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/faults/agents.hpp"

namespace hearsay::faults {

// One member event, as an agent recorded it.
struct Event {
  std::int64_t time_ms = 0;  // the agent's stamp (unix ms)
  std::string observer;      // the agent that recorded it
  int generation = 0;        // which start of the observer (1, 2, ...)
  std::string type;          // join | suspect | alive | dead | left | updated
  std::string member;
};

// One agent's latest answer to GET /v1/status.
struct Status {
  bool ok = false;
  std::int64_t polled_ms = 0;  // when the answer arrived (unix ms)
  std::int64_t sent_ms = 0;    // when the request was sent
  std::string digest;
  std::map<std::string, std::string> members;    // name -> alive|suspect|dead|left
  std::map<std::string, std::string> instances;  // "<member>/<id>" -> health
};
using Statuses = std::map<std::string, Status>;  // by agent name

// A Prometheus text page, as metric (with labels) -> value.
using Metrics = std::map<std::string, double>;
// The sum of every sample of family `name` (hearsay_messages_out_total{...}).
double family_sum(const Metrics& m, const std::string& name);

class Recorder {
 public:
  Recorder(Cluster& cluster, std::chrono::milliseconds period = std::chrono::milliseconds(200));
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Call after restarting a slot: its event log starts again from seq 1.
  void restarted(int slot);

  std::vector<Event> events() const;  // every event so far, in arrival order
  Statuses statuses() const;          // the latest answer of each agent

  // Waits until `holds(statuses)` is true on answers all requested after
  // `since_ms` (unix ms), or `limit` passes. Returns when the answers that
  // made it true arrived (the latest of them), or nullopt.
  std::optional<std::int64_t> wait_for(const std::function<bool(const Statuses&)>& holds,
                                       const std::vector<std::string>& who, std::int64_t since_ms,
                                       std::chrono::milliseconds limit);

  // GET /metrics of one agent now (empty if it does not answer).
  Metrics metrics(int slot) const;
  // GET `path` of one agent now; nullopt if it does not answer 200.
  std::optional<std::string> get(int slot, const std::string& path) const;

 private:
  void poll_loop(int slot);

  Cluster& cluster_;
  std::chrono::milliseconds period_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  Statuses latest_;
  std::vector<std::uint64_t> after_;  // event cursor per slot
  std::vector<int> generation_;       // per slot
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace hearsay::faults
