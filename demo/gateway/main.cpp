// hearsay-gateway: an HTTP reverse proxy that finds its upstreams through an
// embedded hearsay node (server-side discovery; docs/discovery.md).
//
//   hearsay-gateway --seed tcp://127.0.0.1:7946 --listen 127.0.0.1:8080
//   curl http://127.0.0.1:8080/web/hello      # -> an instance of "web"
//
// Besides /<service>/... it serves GET /_gateway/stats, GET /v1/status and,
// with --fault-injection, POST /v1/fault/partition. SIGTERM/SIGINT: leave the
// cluster, stop, exit 0. Bad flags: one line on stderr, exit 2.
#include <httplib.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "demo/common/errors.hpp"
#include "demo/common/http_server.hpp"
#include "demo/common/node_json.hpp"
#include "demo/common/stop_signals.hpp"
#include "demo/gateway/gateway_options.hpp"
#include "demo/gateway/proxy.hpp"
#include "hearsay/node.hpp"

namespace hearsay::tools {
namespace {

using nlohmann::json;

void json_answer(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

// The endpoints blocked through POST /v1/fault/partition, for /v1/status.
class Partition {
 public:
  void set(Node& node, std::vector<std::string> endpoints) {
    std::lock_guard lock(mu_);
    node.block_peers(endpoints);
    blocked_ = std::move(endpoints);
  }
  std::vector<std::string> blocked() const {
    std::lock_guard lock(mu_);
    return blocked_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> blocked_;
};

void install_routes(httplib::Server& server, Node& node, Proxy& proxy, Partition& partition,
                    bool fault_injection) {
  server.Get("/_gateway/stats", [&proxy](const httplib::Request&, httplib::Response& res) {
    json_answer(res, 200, proxy.stats_json());
  });
  // fault_injection by value: this function returns before the handlers run.
  server.Get("/v1/status",
             [&node, &partition, fault_injection](const httplib::Request&, httplib::Response& res) {
               json status = status_json(node);
               if (fault_injection) status["blocked"] = partition.blocked();
               json_answer(res, 200, status);
             });
  server.Post("/v1/fault/partition", [&node, &partition, fault_injection](
                                         const httplib::Request& req, httplib::Response& res) {
    if (!fault_injection) {
      json_answer(res, 404,
                  {{"error", "fault injection is off (start the gateway with --fault-injection)"}});
      return;
    }
    const json body = json::parse(req.body, nullptr, false);
    std::vector<std::string> endpoints;
    const bool ok = body.is_object() && body.contains("block") && body["block"].is_array() &&
                    std::all_of(body["block"].begin(), body["block"].end(),
                                [](const json& e) { return e.is_string(); });
    if (!ok) {
      json_answer(res, 400, {{"error", R"(body must be {"block": ["tcp://...", ...]})"}});
      return;
    }
    for (const auto& e : body["block"])
      endpoints.push_back(e.get<std::string>());
    partition.set(node, endpoints);
    json_answer(res, 200, {{"blocked", endpoints}});
  });
  // Everything else is /<service>/<path>, whatever the method.
  const auto forward = [&proxy](const httplib::Request& req, httplib::Response& res) {
    proxy.serve(req, res);
  };
  server.Get(".*", forward);
  server.Post(".*", forward);
  server.Put(".*", forward);
  server.Patch(".*", forward);
  server.Delete(".*", forward);
  server.Options(".*", forward);
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
        std::string what = "internal error";
        try {
          if (e) std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          what = ex.what();
        } catch (...) {
        }
        json_answer(res, 500, {{"error", what}});
      });
}

int run(int argc, char** argv) {
  const auto parsed = parse_gateway_options(argc, argv);
  if (!parsed) return 0;  // --help
  const GatewayOptions& options = *parsed;
  Config config = node_config(options);
  if (!options.quiet)
    config.log = [](LogLevel level, std::string_view message) {
      std::fprintf(stderr, "hearsay-gateway: %.*s: %.*s\n",
                   static_cast<int>(to_string(level).size()), to_string(level).data(),
                   static_cast<int>(message.size()), message.data());
    };

  StopSignals signals;  // before any thread starts (the node's, the server's)
  Node node{config};
  Watch member_log;
  if (!options.quiet)
    member_log = node.watch_members([](const MemberEvent& e) {
      std::fprintf(stderr, "hearsay-gateway: %s %s\n", e.name.c_str(),
                   std::string(to_string(e.type)).c_str());
    });

  Proxy proxy(node, ProxyOptions{.picker = options.picker,
                                 .retries = options.retries,
                                 .connect_timeout = options.connect_timeout,
                                 .read_timeout = options.read_timeout});
  Partition partition;
  httplib::Server server;
  // More workers than httplib's default 8: each one waits on an upstream.
  server.new_task_queue = [] { return new httplib::ThreadPool(32); };
  install_routes(server, node, proxy, partition, options.fault_injection);
  listen_on(server, options.listen, "--listen");
  if (!options.quiet)
    std::fprintf(stderr, "hearsay-gateway: %s at %s, serving http://%s (picker %s)\n",
                 node.name().c_str(), node.endpoint().c_str(), options.listen.to_string().c_str(),
                 picker_name(options.picker));
  serve_until_signal(server, signals);
  member_log.cancel();
  node.leave();
  return 0;
}

}  // namespace
}  // namespace hearsay::tools

int main(int argc, char** argv) {
  return hearsay::tools::run_main("hearsay-gateway",
                                  [&] { return hearsay::tools::run(argc, argv); });
}
