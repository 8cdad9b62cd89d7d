// hearsay-echo: the example HTTP service the demos put behind hearsay.
//
//   hearsay-echo --id web-3 --listen 127.0.0.1:8083 [--name web]
//
// Every request answers 200 with {"instance", "service", "method", "path"}
// (plus "body" when the request had one) and the header X-Instance, so a
// caller sees which instance served it. GET /health answers 200 "ok".
// POST /admin/fail switches to failing mode (/health and every request answer
// 503) until POST /admin/recover. SIGTERM/SIGINT: exit 0. Bad flags: one line
// on stderr, exit 2.
//
// It knows nothing about hearsay on purpose: it is the plain service that a
// `hearsay agent` advertises and health-checks on its behalf.
#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "demo/common/errors.hpp"
#include "demo/common/host_port.hpp"
#include "demo/common/http_server.hpp"
#include "demo/common/parse_args.hpp"
#include "demo/common/stop_signals.hpp"

namespace hearsay::tools {
namespace {

struct EchoOptions {
  std::string id;
  std::string name = "web";
  HostPort listen;
};

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

// Parses argv; nullopt after printing --help. Throws UsageError.
std::optional<EchoOptions> parse_flags(int argc, char** argv) {
  EchoOptions options;
  std::string listen;
  CLI::App app{"hearsay-echo: an example HTTP service that answers with its instance id",
               "hearsay-echo"};
  app.add_option("--id", options.id, "instance id reported in answers")->required();
  app.add_option("--listen", listen, "HOST:PORT to serve HTTP on")->required();
  app.add_option("--name", options.name, "service name reported in answers")->capture_default_str();
  if (!parse_args(app, argc, argv)) return std::nullopt;
  if (options.id.empty()) throw UsageError("--id: must not be empty");
  options.listen = parse_host_port(listen, "--listen");
  return options;
}

int run(int argc, char** argv) {
  const auto options = parse_flags(argc, argv);
  if (!options) return 0;  // --help
  StopSignals signals;     // before any thread starts
  httplib::Server server;
  Echo echo(*options);
  echo.install(server);
  listen_on(server, options->listen, "--listen");
  serve_until_signal(server, signals);
  return 0;
}

}  // namespace
}  // namespace hearsay::tools

int main(int argc, char** argv) {
  return hearsay::tools::run_main("hearsay-echo", [&] { return hearsay::tools::run(argc, argv); });
}
