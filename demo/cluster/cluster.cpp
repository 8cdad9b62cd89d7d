#include "demo/cluster/cluster.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <stdexcept>

#include <httplib.h>

namespace hearsay::tools {

using nlohmann::json;

const char* to_string(RunState s) {
  switch (s) {
    case RunState::not_started:
      return "-";
    case RunState::running:
      return "running";
    case RunState::paused:
      return "paused";
    case RunState::killed:
      return "killed";
    case RunState::left:
      return "left";
  }
  return "?";
}

namespace {

std::string two_digits(int i) {
  return (i < 10 ? "0" : "") + std::to_string(i);
}

// A port nobody listens on right now (the kernel's pick for port 0).
int probe_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("cannot create a socket to find a free port");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  if (port <= 0) throw std::runtime_error("cannot find a free port on 127.0.0.1");
  return port;
}

std::string last_line(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

// One control call with short timeouts; throws with the reason on failure.
std::string http_call(int port, const std::string& method, const std::string& path,
                      const std::string& body) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(std::chrono::seconds(2));
  cli.set_read_timeout(std::chrono::seconds(5));
  cli.set_write_timeout(std::chrono::seconds(2));
  httplib::Result res = method == "PUT"    ? cli.Put(path, body, "application/json")
                        : method == "POST" ? cli.Post(path, body, "application/json")
                                           : cli.Get(path);
  const std::string what = method + " 127.0.0.1:" + std::to_string(port) + path;
  if (!res) throw std::runtime_error(what + ": " + httplib::to_string(res.error()));
  if (res->status < 200 || res->status >= 300)
    throw std::runtime_error(what + ": HTTP " + std::to_string(res->status) + " " + res->body);
  return res->body;
}

}  // namespace

Cluster::Cluster(const ClusterOptions& opts, std::filesystem::path work_dir,
                 std::filesystem::path bin_dir, ProcessRegistry& processes)
    : opts_(opts),
      work_dir_(std::move(work_dir)),
      bin_dir_(std::move(bin_dir)),
      processes_(processes),
      port_cursor_(opts.base_port) {
  const int n = opts.nodes;
  const int first_half = n / 2;
  for (int i = 1; i <= n; ++i) {
    ClusterNode node;
    node.name = "node-" + two_digits(i);
    node.half = i <= first_half ? 0 : 1;
    node.gossip_port = next_port();
    node.http_port = next_port();
    nodes_.push_back(node);
  }
  // Instances go to non-seed agents first, alternating halves, so that each
  // side of a partition keeps some and a killed seed is never needed.
  std::vector<std::string> order;
  for (int i = 0;; ++i) {
    const int a = 2 + i, b = first_half + 2 + i;
    const bool more_a = a <= first_half, more_b = b <= n;
    if (!more_a && !more_b) break;
    if (more_a) order.push_back(nodes_[static_cast<std::size_t>(a - 1)].name);
    if (more_b) order.push_back(nodes_[static_cast<std::size_t>(b - 1)].name);
  }
  order.push_back(nodes_[0].name);
  order.push_back(nodes_[static_cast<std::size_t>(first_half)].name);
  for (int k = 0; k < opts.services; ++k) {
    EchoService e;
    e.id = "web-" + std::to_string(k + 1);
    e.agent = order[static_cast<std::size_t>(k) % order.size()];
    e.port = next_port();
    echoes_.push_back(e);
  }
  ClusterNode gw;
  gw.name = "gateway";
  gw.gateway = true;
  gw.gossip_port = next_port();
  gw.http_port = next_port();
  nodes_.push_back(gw);
}

int Cluster::next_port() {
  if (opts_.base_port != 0) return port_cursor_++;
  for (;;) {
    const int p = probe_free_port();
    if (std::find(taken_ports_.begin(), taken_ports_.end(), p) != taken_ports_.end()) continue;
    taken_ports_.push_back(p);
    return p;
  }
}

std::vector<std::string> Cluster::seeds() const {
  return {nodes_[0].endpoint(), nodes_[static_cast<std::size_t>(opts_.nodes / 2)].endpoint()};
}

json Cluster::service_json(const EchoService& e) const {
  return json{{"name", "web"},
              {"id", e.id},
              {"endpoint", e.url()},
              {"check",
               {{"http", e.url() + "/health"},
                {"interval", "1s"},
                {"timeout", "500ms"},
                {"failures_before_critical", 2}}}};
}

void Cluster::start_echo(EchoService& e) {
  e.pid = processes_.spawn(
      e.id, bin_dir_ / "hearsay-echo",
      {"--id", e.id, "--name", "web", "--listen", "127.0.0.1:" + std::to_string(e.port)},
      work_dir_ / (e.id + ".log"));
  e.state = RunState::running;
}

void Cluster::start_agent(ClusterNode& n) {
  std::vector<std::string> args;
  std::filesystem::path exe;
  if (n.gateway) {
    exe = bin_dir_ / "hearsay-gateway";
    args = {
        "--name",           n.name,        "--bind",    n.endpoint(),
        "--profile",        opts_.profile, "--listen",  "127.0.0.1:" + std::to_string(n.http_port),
        "--picker",         "round_robin", "--retries", "1",
        "--fault-injection"};
  } else {
    exe = "/proc/self/exe";
    args = {"agent",
            "--name",
            n.name,
            "--bind",
            n.endpoint(),
            "--profile",
            opts_.profile,
            "--http",
            "127.0.0.1:" + std::to_string(n.http_port),
            "--fault-injection"};
    for (const auto& e : echoes_)
      if (e.agent == n.name && e.registered_at_start)
        args.insert(args.end(), {"--service", service_json(e).dump()});
  }
  for (const auto& s : seeds())
    if (s != n.endpoint()) args.insert(args.end(), {"--seed", s});
  // Exec'd in the child, /proc/self/exe is the launcher's own binary, even
  // after a rebuild replaced the file on disk.
  n.pid = processes_.spawn(n.name, exe, args, work_dir_ / (n.name + ".log"));
  n.state = RunState::running;
}

void Cluster::start_all() {
  for (auto& e : echoes_)
    start_echo(e);
  for (auto& n : nodes_)
    start_agent(n);
}

EchoService& Cluster::add_echo(const std::string& agent) {
  EchoService e;
  e.id = "web-" + std::to_string(echoes_.size() + 1);
  e.agent = agent;
  e.port = next_port();
  e.registered_at_start = false;
  echoes_.push_back(e);
  return echoes_.back();
}

void Cluster::advertise(const EchoService& e) {
  http_call(node(e.agent).http_port, "PUT", "/v1/local/services", service_json(e).dump());
}

void Cluster::partition(const ClusterNode& n, const std::vector<std::string>& block) {
  http_call(n.http_port, "POST", "/v1/fault/partition", json{{"block", block}}.dump());
}

void Cluster::echo_admin(const EchoService& e, const std::string& action) {
  http_call(e.port, "POST", "/admin/" + action, "");
}

json Cluster::gateway_stats() const {
  try {
    return json::parse(http_call(gateway().http_port, "GET", "/_gateway/stats", ""));
  } catch (const std::exception&) {
    return json::object();
  }
}

void Cluster::signal(ClusterNode& n, int sig, RunState after) {
  processes_.signal(n.pid, sig);
  n.state = after;
}

void Cluster::signal(EchoService& e, int sig, RunState after) {
  processes_.signal(e.pid, sig);
  e.state = after;
}

ClusterNode& Cluster::node(const std::string& name) {
  for (auto& n : nodes_)
    if (n.name == name) return n;
  throw std::logic_error("no node " + name);
}

EchoService& Cluster::echo(const std::string& id) {
  for (auto& e : echoes_)
    if (e.id == id) return e;
  throw std::logic_error("no echo " + id);
}

std::vector<std::string> Cluster::echoes_of(const std::string& agent) const {
  std::vector<std::string> ids;
  for (const auto& e : echoes_)
    if (e.agent == agent) ids.push_back(e.id);
  return ids;
}

std::string Cluster::unexpected_exit() {
  std::string problem;
  for (const auto& c : processes_.reap_exited()) {
    bool expected = true;
    for (auto& n : nodes_)
      if (n.pid == c.pid && (n.state == RunState::running || n.state == RunState::paused)) {
        expected = false;
        n.state = RunState::killed;
      }
    for (auto& e : echoes_)
      if (e.pid == c.pid && (e.state == RunState::running || e.state == RunState::paused)) {
        expected = false;
        e.state = RunState::killed;
      }
    if (!expected && problem.empty()) {
      problem = c.name + " " + c.describe() + " (log " + c.log.string() + ")";
      const auto line = last_line(c.log);
      if (!line.empty()) problem += ": " + line;
    }
  }
  return problem;
}

}  // namespace hearsay::tools
