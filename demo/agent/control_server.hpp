// The agent's control API over HTTP/JSON (docs/agent.md has every route).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "demo/agent/agent_config.hpp"

namespace httplib {
class Server;
}

namespace hearsay::tools {

class Agent;

class ControlServer {
 public:
  // Registers the routes; serves nothing until start().
  explicit ControlServer(Agent& agent);
  ~ControlServer();  // stop()
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Listens on `at` (port 0: any free port; see listen_on) and returns the
  // port. Throws std::runtime_error if the address cannot be bound.
  std::uint16_t bind(const HostPort& at);
  // Serves on a thread of its own.
  void start();
  // Stops accepting, lets requests in progress finish, joins. Idempotent.
  void stop();

 private:
  void routes();

  Agent& agent_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  bool bound_ = false;
  std::atomic<bool> listening_done_{false};
};

}  // namespace hearsay::tools
