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
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "demo/common/errors.hpp"
#include "demo/common/node_json.hpp"
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
    node.block_peers_for_testing(endpoints);
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

  // Signals go to a waiting thread: stopping the server and leaving the
  // cluster are not async-signal-safe. Blocked before any thread starts, so
  // every thread (the node's, the server's) inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

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
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which would
  // let two gateways share a port silently instead of the second failing.
  server.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle
  // holds the body until the client's delayed ACK (40 ms per request).
  server.set_tcp_nodelay(true);
  install_routes(server, node, proxy, partition, options.fault_injection);
  const std::string listen = options.listen_host + ":" + std::to_string(options.listen_port);
  if (!server.bind_to_port(options.listen_host, options.listen_port))
    throw std::runtime_error("cannot listen on " + listen + " (in use, or not a local address?)");
  if (!options.quiet)
    std::fprintf(stderr, "hearsay-gateway: %s at %s, serving http://%s (picker %s)\n",
                 node.name().c_str(), node.endpoint().c_str(), listen.c_str(),
                 picker_name(options.picker));

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
  member_log.cancel();
  node.leave();
  return 0;
}

}  // namespace
}  // namespace hearsay::tools

int main(int argc, char** argv) {
  try {
    return hearsay::tools::run(argc, argv);
  } catch (const hearsay::tools::UsageError& e) {
    std::fprintf(stderr, "hearsay-gateway: error: %s\n", e.what());
    return 2;
  } catch (const hearsay::ConfigError& e) {
    std::fprintf(stderr, "hearsay-gateway: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearsay-gateway: error: %s\n", e.what());
    return 1;
  }
}
