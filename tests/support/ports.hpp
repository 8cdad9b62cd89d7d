// TCP ports on 127.0.0.1 for tests that start servers or child processes
// which must be told a port in advance.
#pragma once

#include <cstdint>

namespace hearsay::test_support {

// A TCP socket listening on 127.0.0.1 at a port the kernel picked. Connects
// to it succeed (through the backlog) without an accept, so it also stands
// for "a port that is taken". Closed on destruction or close().
class Listener {
 public:
  Listener();  // throws std::runtime_error if no socket can be bound
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  std::uint16_t port() const { return port_; }
  void close();

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A port nothing listens on right now: the kernel's pick, released at once.
// Another process may take it before the caller binds it; code that can bind
// port 0 and read the port back should do that instead.
std::uint16_t free_port();

}  // namespace hearsay::test_support
