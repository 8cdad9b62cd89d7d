// How every demo program serves HTTP with cpp-httplib: the agent's control
// API, the gateway and the echo service listen the same way and stop the
// same way.
#pragma once

#include <cstdint>
#include <string_view>

#include "demo/common/host_port.hpp"
#include "demo/common/stop_signals.hpp"

namespace httplib {
class Server;
}

namespace hearsay::tools {

// Binds `server` to `at` (port 0: any free port) and returns the port. The
// socket gets SO_REUSEADDR but not SO_REUSEPORT (httplib's default), with
// which a second process could bind the same port and silently take half of
// its connections; and TCP_NODELAY, without which Nagle's algorithm holds
// each response's body (httplib writes it apart from the headers) until the
// client's delayed ACK, 40 ms per request on a kept-alive connection.
// Throws std::runtime_error naming the address and `flag`, which chooses
// another.
std::uint16_t listen_on(httplib::Server& server, const HostPort& at, std::string_view flag);

// Serves `server` (bound by listen_on) on a thread of its own until a stop
// signal, then stops it and joins; returns the signal. Throws
// std::runtime_error if the server stopped by itself (it failed).
int serve_until_signal(httplib::Server& server, StopSignals& signals);

}  // namespace hearsay::tools
