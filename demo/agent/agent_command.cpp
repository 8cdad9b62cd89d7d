#include "demo/agent/agent_command.hpp"

#include <malloc.h>

#include <signal.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "demo/agent/agent.hpp"
#include "demo/agent/agent_config.hpp"
#include "demo/common/duration.hpp"
#include "demo/common/errors.hpp"
#include "demo/common/stop_signals.hpp"

namespace hearsay::tools {

namespace {

struct AgentFlags {
  std::string config;
  std::string name, bind, advertise, profile, cluster_id, cluster_key, node_key, http;
  std::string tombstone_timeout;
  std::vector<std::string> seeds, allowed_keys, services;
  bool fault_injection = false;
  bool quiet = false;
};

// Flags override the config file; repeatable flags add to its lists.
AgentConfig resolve(const CLI::App& cmd, const AgentFlags& f) {
  AgentConfig cfg;
  if (!f.config.empty()) load_config_file(f.config, cfg);
  const auto given = [&](const char* flag) { return cmd.count(flag) > 0; };
  if (given("--name")) cfg.name = f.name;
  if (given("--bind")) cfg.bind = f.bind;
  if (given("--advertise")) cfg.advertise = f.advertise;
  if (given("--profile")) cfg.profile = f.profile;
  if (given("--cluster-id")) cfg.cluster_id = f.cluster_id;
  if (given("--cluster-key")) cfg.cluster_key_file = f.cluster_key;
  if (given("--node-key")) cfg.node_key_file = f.node_key;
  if (given("--http")) cfg.http = f.http;
  if (given("--tombstone-timeout")) {
    try {
      cfg.tombstone_timeout = parse_duration(f.tombstone_timeout);
    } catch (const UsageError& e) {
      throw UsageError(std::string("--tombstone-timeout: ") + e.what());
    }
  }
  cfg.seeds.insert(cfg.seeds.end(), f.seeds.begin(), f.seeds.end());
  cfg.allowed_keys.insert(cfg.allowed_keys.end(), f.allowed_keys.begin(), f.allowed_keys.end());
  for (std::size_t i = 0; i < f.services.size(); ++i) {
    const std::string where = "--service[" + std::to_string(i) + "]";
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(f.services[i]);
    } catch (const nlohmann::json::parse_error& e) {
      std::string what = e.what();
      if (const auto tag = what.find("] "); tag != std::string::npos) what = what.substr(tag + 2);
      throw UsageError(where + ": not valid JSON: " + what);
    }
    cfg.services.push_back(parse_service_config(j, where));
  }
  if (f.fault_injection) cfg.fault_injection = true;
  if (f.quiet) cfg.quiet = true;
  return cfg;
}

void run_agent(const CLI::App& cmd, const AgentFlags& flags) {
  AgentConfig cfg = resolve(cmd, flags);
  // An agent is idle nearly always: two malloc arenas serve its threads (the
  // default, eight per core, leaves a partly used heap behind each HTTP
  // worker that ever served a request).
  ::mallopt(M_ARENA_MAX, 2);
  StopSignals signals;  // before any thread starts
  Agent agent(std::move(cfg));
  std::thread waiter([&] {
    if (const int sig = signals.wait(); sig != 0 && !agent.config().quiet)
      std::fprintf(stderr, "hearsay agent: got %s, leaving\n",
                   sig == SIGINT ? "SIGINT" : "SIGTERM");
    agent.request_stop();
  });
  agent.wait();
  signals.wake();  // stopped by POST /v1/leave: release the waiter
  waiter.join();
  agent.shutdown();
}

}  // namespace

void add_agent_command(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("agent",
                         "Run a hearsay node as a sidecar: advertise services, check their health, "
                         "serve the control API (docs/agent.md)");
  auto f = std::make_shared<AgentFlags>();
  cmd->add_option("--config", f->config, "JSON config file (flags override it)");
  cmd->add_option("--name", f->name, "Node name (default: the host name)");
  cmd->add_option("--bind", f->bind, "ZeroMQ endpoint to listen on (default tcp://0.0.0.0:7946)");
  cmd->add_option("--advertise", f->advertise, "Endpoint peers dial (default: --bind)");
  cmd->add_option("--seed", f->seeds, "Endpoint of a member to join through (repeatable)");
  cmd->add_option("--profile", f->profile, "Timing profile: lan, wan or local (default lan)");
  cmd->add_option("--cluster-id", f->cluster_id, "Cluster id (default \"default\")");
  cmd->add_option("--cluster-key", f->cluster_key, "Cluster key file from `hearsay keygen`");
  cmd->add_option("--node-key", f->node_key, "This node's key file from `hearsay keygen`");
  cmd->add_option("--allowed-key", f->allowed_keys, "Extra client public key, Z85 (repeatable)");
  cmd->add_option("--http", f->http, "Control API address HOST:PORT (default 127.0.0.1:7900)");
  cmd->add_option("--service", f->services, "A service as a JSON object (repeatable)");
  cmd->add_option("--tombstone-timeout", f->tombstone_timeout,
                  "Forget dead and left members after this long (default: the profile's, 24h)");
  cmd->add_flag("--fault-injection", f->fault_injection, "Enable POST /v1/fault/partition");
  cmd->add_flag("--quiet", f->quiet, "No log lines on stderr");
  cmd->callback([cmd, f] { run_agent(*cmd, *f); });
}

}  // namespace hearsay::tools
