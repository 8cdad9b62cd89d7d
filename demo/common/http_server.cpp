#include "demo/common/http_server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>

namespace hearsay::tools {

std::uint16_t listen_on(httplib::Server& server, const HostPort& at, std::string_view flag) {
  server.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.set_tcp_nodelay(true);  // on the listening socket; accepted ones inherit it
  int port = at.port;
  if (at.port == 0)
    port = server.bind_to_any_port(at.host);
  else if (!server.bind_to_port(at.host, at.port))
    port = -1;
  if (port <= 0)
    throw std::runtime_error("cannot listen on " + at.to_string() +
                             " (address in use or not available; choose another with " +
                             std::string(flag) + ")");
  return static_cast<std::uint16_t>(port);
}

int serve_until_signal(httplib::Server& server, StopSignals& signals) {
  std::atomic<bool> stopping{false};
  std::thread serve([&] {
    server.listen_after_bind();
    if (!stopping) signals.wake();  // returned unasked: the server failed
  });
  const int sig = signals.wait();
  stopping = true;
  server.stop();
  serve.join();
  if (sig == 0) throw std::runtime_error("the HTTP server stopped serving");
  return sig;
}

}  // namespace hearsay::tools
