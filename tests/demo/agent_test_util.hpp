// Helpers shared by the agent tests: bounded waits, free ports, agent configs.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "demo/agent/agent_config.hpp"

namespace hearsay::tools::agent_test {

// Polls `ready` until it holds or `bound` passes (a bound, not a pace: the
// machine may be loaded).
inline bool wait_until(const std::function<bool()>& ready,
                       std::chrono::milliseconds bound = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ready();
}

// A TCP socket listening on 127.0.0.1 at a free port (connects succeed through
// the backlog without an accept); closes on destruction.
struct Listener {
  int fd = -1;
  std::uint16_t port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 64);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ~Listener() { close(); }
};

// A port nothing listens on right now.
inline std::uint16_t free_port() {
  Listener l;
  return l.port;
}

// An agent for one test: local profile, any free ports, quiet.
inline AgentConfig local_agent(const std::string& name) {
  AgentConfig c;
  c.name = name;
  c.bind = "tcp://127.0.0.1:0";
  c.profile = "local";
  c.http = "127.0.0.1:0";
  c.quiet = true;
  return c;
}

}  // namespace hearsay::tools::agent_test
