// hearsay-echo: the example HTTP service the demos put behind hearsay.
//
//   hearsay-echo --id web-3 --listen 127.0.0.1:8083 [--name web]
//
// Every request answers 200 with {"instance", "service", "method", "path"}
// (plus "body" when the request had one) and the header X-Instance, so a
// caller sees which instance served it. GET /health answers 200 "ok".
// POST /admin/fail switches to failing mode (/health and every request answer
// 503) until POST /admin/recover. SIGTERM/SIGINT: exit 0.
//
// It knows nothing about hearsay on purpose: it is the plain service that a
// `hearsay agent` advertises and health-checks on its behalf.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace hearsay::tools {
namespace {

struct EchoOptions {
  std::string id;
  std::string name = "web";
  std::string host;
  int port = 0;
};

struct BadFlags : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "HOST:PORT" with a port from 1 to 65535.
void parse_listen(const std::string& text, EchoOptions& out) {
  const auto colon = text.rfind(':');
  const auto bad = [&] {
    return BadFlags("--listen: '" + text + "' is not HOST:PORT (e.g. 127.0.0.1:8081)");
  };
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) throw bad();
  int port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) throw bad();
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) throw bad();
  out.host = text.substr(0, colon);
  out.port = port;
}

class Echo {
 public:
  explicit Echo(EchoOptions options) : options_(std::move(options)) {}

  void install(httplib::Server& server) {
    server.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      tag(res);
      if (failing_) {
        res.status = 503;
        res.set_content("failing\n", "text/plain");
      } else {
        res.set_content("ok\n", "text/plain");
      }
    });
    server.Post("/admin/fail", [this](const httplib::Request&, httplib::Response& res) {
      failing_ = true;
      tag(res);
      res.set_content(R"({"failing": true})", "application/json");
    });
    server.Post("/admin/recover", [this](const httplib::Request&, httplib::Response& res) {
      failing_ = false;
      tag(res);
      res.set_content(R"({"failing": false})", "application/json");
    });
    const auto echo = [this](const httplib::Request& req, httplib::Response& res) {
      answer(req, res);
    };
    server.Get(".*", echo);
    server.Post(".*", echo);
    server.Put(".*", echo);
    server.Patch(".*", echo);
    server.Delete(".*", echo);
  }

 private:
  void tag(httplib::Response& res) const { res.set_header("X-Instance", options_.id); }

  void answer(const httplib::Request& req, httplib::Response& res) const {
    tag(res);
    nlohmann::json body{{"instance", options_.id},
                        {"service", options_.name},
                        {"method", req.method},
                        {"path", req.path}};
    if (failing_) {
      body["error"] = "failing (POST /admin/recover to heal)";
      res.status = 503;
    }
    if (!req.body.empty()) body["body"] = req.body;
    res.set_content(body.dump() + "\n", "application/json");
  }

  EchoOptions options_;
  std::atomic<bool> failing_{false};
};

EchoOptions parse_flags(int argc, char** argv, bool& help) {
  EchoOptions options;
  std::string listen;
  CLI::App app{"hearsay-echo: an example HTTP service that answers with its instance id",
               "hearsay-echo"};
  app.add_option("--id", options.id, "instance id reported in answers")->required();
  app.add_option("--listen", listen, "HOST:PORT to serve HTTP on")->required();
  app.add_option("--name", options.name, "service name reported in answers")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    help = true;
    return options;
  } catch (const CLI::ParseError& e) {
    throw BadFlags(e.what());
  }
  if (options.id.empty()) throw BadFlags("--id: must not be empty");
  parse_listen(listen, options);
  return options;
}

int run(int argc, char** argv) {
  bool help = false;
  const EchoOptions options = parse_flags(argc, argv, help);
  if (help) return 0;

  // Signals go to a waiting thread, not to a handler: stopping the server
  // from a handler is not async-signal-safe. Block them before any thread
  // starts so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  httplib::Server server;
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which would
  // let a second process share the port silently instead of failing.
  server.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle
  // holds the body until the client's delayed ACK (40 ms per request).
  server.set_tcp_nodelay(true);
  Echo echo(options);
  echo.install(server);
  if (!server.bind_to_port(options.host, options.port))
    throw std::runtime_error("cannot listen on " + options.host + ":" +
                             std::to_string(options.port));
  std::atomic<bool> stopping{false};
  std::thread serve([&] {
    server.listen_after_bind();
    // Returning without a signal means the server failed: wake the main thread.
    if (!stopping) kill(getpid(), SIGTERM);
  });
  int sig = 0;
  sigwait(&stop_signals, &sig);
  stopping = true;
  server.stop();
  serve.join();
  return 0;
}

}  // namespace
}  // namespace hearsay::tools

int main(int argc, char** argv) {
  try {
    return hearsay::tools::run(argc, argv);
  } catch (const hearsay::tools::BadFlags& e) {
    std::fprintf(stderr, "hearsay-echo: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearsay-echo: error: %s\n", e.what());
    return 1;
  }
}
