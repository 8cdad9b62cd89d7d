#include "demo/agent/health_check.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "demo/agent/health_probe.hpp"
#include "demo/common/duration.hpp"

namespace hearsay::tools {

using Clock = std::chrono::steady_clock;

struct HealthChecks::Check {
  std::string id;
  CheckConfig cfg;
  OnChange on_change;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  Health status = Health::critical;
  std::string output;
  int passes = 0;    // consecutive passing results
  int failures = 0;  // consecutive warning or critical results
  Clock::time_point ttl_deadline{};
  bool ttl_expired = false;
  int wake_fd = -1;  // aborts a probe in flight
  std::thread thread;

  Check(std::string check_id, CheckConfig c, OnChange fn)
      : id(std::move(check_id)), cfg(std::move(c)), on_change(std::move(fn)) {
    output = cfg.type == CheckConfig::Type::ttl ? "TTL not refreshed yet" : "not checked yet";
    wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  }
  ~Check() {
    if (wake_fd >= 0) ::close(wake_fd);
  }

  // Under `mu`: reports a change of status (holding the lock keeps the
  // reports in order with PUT /v1/health).
  void set(Health h, std::string out) {
    output = std::move(out);
    if (h == status) return;
    status = h;
    if (on_change) on_change(id, status, output);
  }

  // Under `mu`: one probe result through Consul's thresholds.
  void record(const ProbeResult& r) {
    if (r.health == Health::passing) {
      ++passes;
      failures = 0;
      if (passes >= cfg.success_before_passing)
        set(Health::passing, r.output);
      else
        output = r.output + " (" + std::to_string(passes) + " of " +
                 std::to_string(cfg.success_before_passing) + " passes before passing)";
    } else {
      ++failures;
      passes = 0;
      if (failures >= cfg.failures_before_critical)
        set(r.health, r.output);
      else
        output = r.output + " (" + std::to_string(failures) + " of " +
                 std::to_string(cfg.failures_before_critical) + " failures before " +
                 std::string(to_string(r.health)) + ")";
    }
  }

  void run_probes() {
    std::unique_lock lock(mu);
    auto next = Clock::now();  // the first check runs at once
    while (!stopping) {
      if (cv.wait_until(lock, next, [&] { return stopping; })) break;
      next = Clock::now() + cfg.interval;
      lock.unlock();
      const ProbeResult r = cfg.type == CheckConfig::Type::http
                                ? probe_http(cfg.target, cfg.timeout, wake_fd)
                                : probe_tcp(cfg.target, cfg.timeout, wake_fd);
      lock.lock();
      if (stopping) break;
      record(r);
    }
  }

  void run_ttl() {
    std::unique_lock lock(mu);
    ttl_deadline = Clock::now() + cfg.ttl;
    while (!stopping) {
      if (!ttl_expired && Clock::now() >= ttl_deadline) {
        ttl_expired = true;
        set(Health::critical, "TTL expired: no update within " + format_duration(cfg.ttl));
      }
      if (ttl_expired)
        cv.wait(lock, [&] { return stopping || !ttl_expired; });
      else
        cv.wait_until(lock, ttl_deadline);
    }
  }

  void manual(Health h) {
    std::lock_guard lock(mu);
    if (cfg.type == CheckConfig::Type::ttl) {
      ttl_deadline = Clock::now() + cfg.ttl;
      ttl_expired = false;
      set(h, "TTL refreshed: " + std::string(to_string(h)));
    } else {
      set(h, "set by PUT /v1/health/" + id + " until the next check");
    }
    cv.notify_all();
  }

  void start() {
    thread = std::thread([this] {
      if (cfg.type == CheckConfig::Type::ttl)
        run_ttl();
      else
        run_probes();
    });
  }

  void stop() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    cv.notify_all();
    if (wake_fd >= 0) {
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto n = ::write(wake_fd, &one, sizeof one);
    }
    if (thread.joinable()) thread.join();
  }
};

HealthChecks::HealthChecks(OnChange on_change) : on_change_(std::move(on_change)) {}

HealthChecks::~HealthChecks() {
  stop_all();
}

void HealthChecks::add(const std::string& id, const CheckConfig& check) {
  remove(id);
  auto c = std::make_shared<Check>(id, check, on_change_);
  std::lock_guard lock(mu_);
  if (stopped_) return;
  // The thread starts under mu_ so stop_all() cannot miss it.
  c->start();
  checks_[id] = std::move(c);
}

bool HealthChecks::remove(const std::string& id) {
  std::shared_ptr<Check> c;
  {
    std::lock_guard lock(mu_);
    const auto it = checks_.find(id);
    if (it == checks_.end()) return false;
    c = std::move(it->second);
    checks_.erase(it);
  }
  c->stop();
  return true;
}

bool HealthChecks::set_status(const std::string& id, Health status) {
  std::shared_ptr<Check> c;
  {
    std::lock_guard lock(mu_);
    const auto it = checks_.find(id);
    if (it == checks_.end()) return false;
    c = it->second;
  }
  c->manual(status);
  return true;
}

std::optional<CheckStatus> HealthChecks::status(const std::string& id) const {
  std::shared_ptr<Check> c;
  {
    std::lock_guard lock(mu_);
    const auto it = checks_.find(id);
    if (it == checks_.end()) return std::nullopt;
    c = it->second;
  }
  std::lock_guard lock(c->mu);
  return CheckStatus{c->cfg.type, c->status, c->output};
}

void HealthChecks::stop_all() {
  std::map<std::string, std::shared_ptr<Check>, std::less<>> all;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    all.swap(checks_);
  }
  for (auto& [id, c] : all)
    c->stop();
}

}  // namespace hearsay::tools
