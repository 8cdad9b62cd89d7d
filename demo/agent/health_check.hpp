// The agent's health checks: each check runs on its own worker thread, turns
// probe results into a status with Consul's thresholds (consecutive results),
// and reports every status change. Stopping a check aborts a probe in flight.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "demo/agent/agent_config.hpp"
#include "hearsay/service.hpp"

namespace hearsay::tools {

struct CheckStatus {
  CheckConfig::Type type = CheckConfig::Type::http;
  Health status = Health::critical;
  std::string output;
};

class HealthChecks {
 public:
  // Called on a check's thread (or the caller's, for set_status) whenever a
  // check's status changes; must not block for long.
  using OnChange =
      std::function<void(const std::string& id, Health status, const std::string& output)>;

  explicit HealthChecks(OnChange on_change);
  ~HealthChecks();  // stops every check
  HealthChecks(const HealthChecks&) = delete;
  HealthChecks& operator=(const HealthChecks&) = delete;

  // Starts (or replaces) the check of service `id`. It starts critical and
  // runs at once.
  void add(const std::string& id, const CheckConfig& check);
  // Stops the check of `id`; false if there is none. Returns promptly.
  bool remove(const std::string& id);
  // An explicit status (PUT /v1/health/ID): refreshes a ttl check; for http
  // and tcp checks it holds until the next result. False if `id` has no check.
  bool set_status(const std::string& id, Health status);
  std::optional<CheckStatus> status(const std::string& id) const;
  // Stops every check; later add() calls are ignored.
  void stop_all();

 private:
  struct Check;
  OnChange on_change_;
  mutable std::mutex mu_;
  bool stopped_ = false;
  std::map<std::string, std::shared_ptr<Check>, std::less<>> checks_;
};

}  // namespace hearsay::tools
