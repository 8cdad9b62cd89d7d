// The agent's event log: the last N member and service events, numbered, with
// a long-poll read for GET /v1/events.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearsay::tools {

struct AgentEvent {
  std::uint64_t seq = 0;     // assigned by EventLog::append, from 1
  std::int64_t time_ms = 0;  // unix ms, assigned by append
  std::string kind;          // "member" or "service"
  std::string type;          // join|suspect|alive|dead|left|updated, or added|updated|removed
  std::string member;
  std::string endpoint;  // the member's (member events) or the instance's (service events)
  std::string service;   // service events only
  std::string id;
  std::string health;
};

nlohmann::json to_json(const AgentEvent& e);

class EventLog {
 public:
  explicit EventLog(std::size_t capacity = 10'000);

  // Numbers, stamps and keeps `e` (dropping the oldest beyond capacity) and
  // wakes waiting readers. Returns its seq.
  std::uint64_t append(AgentEvent e);

  struct Page {
    std::uint64_t next = 0;  // pass as `after` to read on
    std::vector<AgentEvent> events;
  };
  // Events after `after` (of `service` only, if given), waiting up to `wait`
  // for one when there is none. A seq beyond the newest (an agent restart)
  // reads from the newest on.
  Page read(std::uint64_t after, const std::optional<std::string>& service,
            std::chrono::milliseconds wait);

  // Wakes every reader at once and makes later reads return without waiting.
  void close();

 private:
  Page collect(std::uint64_t after, const std::optional<std::string>& service) const;

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<AgentEvent> events_;
  std::uint64_t last_seq_ = 0;
  bool closed_ = false;
};

}  // namespace hearsay::tools
