// The demo cluster on loopback: which agents, echo services and gateway it
// has, on which ports, how they are started, and the control calls the
// steps make to them.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "demo/cluster/cluster_options.hpp"
#include "demo/cluster/process.hpp"

namespace hearsay::tools {

enum class RunState { not_started, running, paused, killed, left };
const char* to_string(RunState s);

struct ClusterNode {
  std::string name;  // node-01 .. node-NN, or "gateway"
  bool gateway = false;
  int half = 0;  // 0 or 1: the side it takes in a partition (the gateway: 0)
  int gossip_port = 0;
  int http_port = 0;  // agent control API, or the gateway's listen port
  RunState state = RunState::not_started;
  pid_t pid = -1;

  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(gossip_port); }
  // Up and answering (a paused node is up but silent).
  bool live() const { return state == RunState::running; }
};

struct EchoService {
  std::string id;     // web-1 ..
  std::string agent;  // the agent that advertises it
  int port = 0;
  RunState state = RunState::not_started;
  bool registered_at_start = true;  // else advertised at run time (PUT /v1/local/services)
  pid_t pid = -1;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  std::string key() const { return agent + "/" + id; }  // as in /v1/status instances
};

class Cluster {
 public:
  // Plans the cluster (names, halves, ports, which agent fronts which
  // instance); starts nothing.
  Cluster(const ClusterOptions& opts, std::filesystem::path work_dir, std::filesystem::path bin_dir,
          ProcessRegistry& processes);

  // Starts the echo services, the agents and the gateway.
  void start_all();
  void start_agent(ClusterNode& n);
  void start_echo(EchoService& e);
  // Plans one more instance of "web" fronted by `agent` (a fresh port).
  EchoService& add_echo(const std::string& agent);

  // Control calls; each throws std::runtime_error with the reason on failure.
  void advertise(const EchoService& e);  // PUT /v1/local/services on its agent
  void partition(const ClusterNode& n, const std::vector<std::string>& block);
  void echo_admin(const EchoService& e, const std::string& action);  // "fail" | "recover"
  nlohmann::json gateway_stats() const;  // GET /_gateway/stats ({} if unreachable)

  // Signals a node or echo process; updates its state.
  void signal(ClusterNode& n, int sig, RunState after);
  void signal(EchoService& e, int sig, RunState after);

  ClusterNode& node(const std::string& name);
  EchoService& echo(const std::string& id);
  std::vector<ClusterNode>& nodes() { return nodes_; }  // agents in order, the gateway last
  std::vector<EchoService>& echoes() { return echoes_; }
  const ClusterNode& gateway() const { return nodes_.back(); }
  std::vector<std::string> echoes_of(const std::string& agent) const;

  // A process the steps did not stop exited: its description, or empty.
  std::string unexpected_exit();

  const std::filesystem::path& work_dir() const { return work_dir_; }
  std::vector<std::string> seeds() const;

 private:
  int next_port();
  nlohmann::json service_json(const EchoService& e) const;

  const ClusterOptions& opts_;
  std::filesystem::path work_dir_, bin_dir_;
  ProcessRegistry& processes_;
  std::vector<ClusterNode> nodes_;
  std::vector<EchoService> echoes_;
  int port_cursor_ = 0;
  std::vector<int> taken_ports_;
};

}  // namespace hearsay::tools
