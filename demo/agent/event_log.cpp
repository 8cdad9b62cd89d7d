#include "demo/agent/event_log.hpp"

#include <utility>

namespace hearsay::tools {

nlohmann::json to_json(const AgentEvent& e) {
  nlohmann::json j{{"seq", e.seq},   {"time_ms", e.time_ms}, {"kind", e.kind},
                   {"type", e.type}, {"member", e.member},   {"endpoint", e.endpoint}};
  if (e.kind == "service") {
    j["service"] = e.service;
    j["id"] = e.id;
    j["health"] = e.health;
  }
  return j;
}

EventLog::EventLog(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::uint64_t EventLog::append(AgentEvent e) {
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(mu_);
    seq = e.seq = ++last_seq_;
    e.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    events_.push_back(std::move(e));
    while (events_.size() > capacity_)
      events_.pop_front();
  }
  cv_.notify_all();
  return seq;
}

EventLog::Page EventLog::collect(std::uint64_t after,
                                 const std::optional<std::string>& service) const {
  Page page;
  page.next = after;
  // Seqs are consecutive, so the first one after `after` is found by offset.
  if (events_.empty() || last_seq_ <= after) return page;
  const std::uint64_t first = events_.front().seq;
  const std::size_t start = after < first ? 0 : static_cast<std::size_t>(after - first + 1);
  for (std::size_t i = start; i < events_.size(); ++i) {
    const auto& e = events_[i];
    if (!service || (e.kind == "service" && e.service == *service)) page.events.push_back(e);
  }
  page.next = last_seq_;
  return page;
}

EventLog::Page EventLog::read(std::uint64_t after, const std::optional<std::string>& service,
                              std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  if (after > last_seq_) after = last_seq_;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    Page page = collect(after, service);
    if (!page.events.empty() || closed_) return page;
    // Filtered-out events still move the cursor on.
    after = page.next;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) return collect(after, service);
  }
}

void EventLog::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

}  // namespace hearsay::tools
