// The agent: a hearsay node run as a sidecar. It advertises the configured
// services, runs their health checks, records member and service events, and
// serves the control API (docs/agent.md). Signals are the caller's business
// (agent_command.cpp); tests run agents in-process.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "demo/agent/agent_config.hpp"
#include "demo/agent/event_log.hpp"
#include "demo/agent/health_check.hpp"
#include "hearsay/node.hpp"

namespace hearsay::tools {

class ControlServer;

class Agent {
 public:
  // Checks the config (UsageError naming the field), listens on cfg.http
  // (std::runtime_error if it cannot), starts the node (std::runtime_error if
  // its endpoint cannot be bound), the checks and the control API.
  explicit Agent(AgentConfig cfg);
  // shutdown() unless it ran.
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // "HOST:PORT" of the control API, with a port 0 resolved.
  const std::string& http_address() const { return http_address_; }
  std::uint16_t http_port() const { return http_port_; }
  Node& node() { return *node_; }
  const Node& node() const { return *node_; }
  const AgentConfig& config() const { return cfg_; }

  // Blocks until request_stop() (a signal, POST /v1/leave).
  void wait();
  // Asks the agent to stop; returns at once. Safe from any thread.
  void request_stop();
  bool stop_requested() const;
  // Stops the checks, leaves the cluster, stops the control API. Idempotent;
  // never call it from a control API handler.
  void shutdown();

  // --- what the control API does ---
  nlohmann::json status() const;          // status_json plus "blocked" with fault injection
  nlohmann::json local_services() const;  // own services, each with "check"
  // PUT /v1/health/ID; false if `id` is not one of this agent's services.
  bool set_health(const std::string& id, Health health);
  // Advertises (or replaces by id) a service and starts its check. Throws
  // UsageError (or hearsay::ConfigError) naming the field if it is refused.
  std::string put_service(ServiceConfig service);
  // Withdraws a service and stops its check; false if unknown.
  bool delete_service(const std::string& id);
  EventLog& events() { return events_; }
  bool fault_injection() const { return cfg_.fault_injection; }
  void block_peers(std::vector<std::string> endpoints);

 private:
  void log(const std::string& line) const;
  void on_member_event(const MemberEvent& e);
  void pump_loop();
  void diff_registry();
  void kick_pump();

  AgentConfig cfg_;
  std::string http_address_;
  std::uint16_t http_port_ = 0;
  EventLog events_;

  // Declared in the order they may be destroyed in reverse.
  std::unique_ptr<Node> node_;
  Watch member_watch_;
  std::unique_ptr<ControlServer> server_;
  std::unique_ptr<HealthChecks> checks_;

  // The registry differ: turns registry snapshots into service events.
  std::thread pump_;
  std::mutex pump_mu_;
  std::condition_variable pump_cv_;
  bool pump_stop_ = false;
  bool pump_kick_ = false;
  std::uint64_t seen_version_ = 0;
  std::map<std::string, Instance> seen_;  // by "<member>/<id>"; pump thread only

  std::mutex local_mu_;  // serializes changes to the local services
  mutable std::mutex blocked_mu_;
  std::vector<std::string> blocked_;

  mutable std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_requested_ = false;
  std::mutex shutdown_mu_;
  bool shut_down_ = false;
};

}  // namespace hearsay::tools
