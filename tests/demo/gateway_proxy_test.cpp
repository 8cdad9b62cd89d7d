// End-to-end runs of hearsay-gateway and hearsay-echo: real processes on
// 127.0.0.1. A hearsay::Node inside the test advertises the echo processes
// as service "web"; the gateway joins it and routes to them.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hearsay/node.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/wait.hpp"

#ifndef HEARSAY_GATEWAY_BIN
#error "HEARSAY_GATEWAY_BIN must name the hearsay-gateway binary"
#endif
#ifndef HEARSAY_ECHO_BIN
#error "HEARSAY_ECHO_BIN must name the hearsay-echo binary"
#endif

namespace hearsay::tools {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::ChildProcess;
using test_support::free_port;
using test_support::wait_until;

std::unique_ptr<httplib::Client> client_for(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_connection_timeout(2s);
  c->set_read_timeout(10s);
  return c;
}

// A hearsay-echo process serving instance `id` of "web".
struct Echo {
  Echo(const std::string& instance_id, int listen_port)
      : id(instance_id),
        port(listen_port),
        process({HEARSAY_ECHO_BIN, "--id", id, "--listen", "127.0.0.1:" + std::to_string(port)}) {}

  bool healthy() const {
    auto r = client_for(port)->Get("/health");
    return r && r->status == 200;
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port); }

  std::string id;
  int port;
  ChildProcess process;
};

// Three echo instances advertised by a node in the test, and a gateway
// seeded with that node.
class GatewayProxy : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"web-1", "web-2", "web-3"})
      echos_.push_back(std::make_unique<Echo>(id, free_port()));
    for (const auto& e : echos_)
      ASSERT_TRUE(wait_until([&] { return e->healthy(); }, 20s)) << e->id << " never served";

    Config cfg = Config::local();
    cfg.name = "test-node";
    cfg.bind = "tcp://127.0.0.1:0";
    cfg.leave_timeout = 500ms;
    for (const auto& e : echos_)
      cfg.services.push_back({.name = "web", .id = e->id, .endpoint = e->endpoint()});
    node_ = std::make_unique<Node>(cfg);

    gateway_port_ = free_port();
    gateway_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        HEARSAY_GATEWAY_BIN, "--name", "gw", "--bind", "tcp://127.0.0.1:0", "--seed",
        node_->endpoint(), "--profile", "local", "--listen",
        "127.0.0.1:" + std::to_string(gateway_port_), "--picker", "round_robin", "--retries", "1"});
    gw_ = client_for(gateway_port_);
    // Ready once the gateway's registry lists the three instances, passing.
    ASSERT_TRUE(wait_until(
        [&] {
          const auto s = status();
          if (!s.contains("instances") || s["instances"].size() != 3) return false;
          for (const auto& [key, i] : s["instances"].items())
            if (i["health"] != "passing") return false;
          return true;
        },
        30s))
        << "the gateway never saw the three instances; its stderr:\n"
        << gateway_->err();
  }

  void TearDown() override {
    // SIGTERM: the gateway leaves the cluster and exits 0.
    if (!gateway_) return;
    gateway_->signal(SIGTERM);
    EXPECT_EQ(gateway_->wait_exit(20s), 0) << gateway_->err();
  }

  json get_json(const std::string& path) {
    auto r = gw_->Get(path);
    if (!r) return json();
    return json::parse(r->body, nullptr, false);
  }
  json status() { return get_json("/v1/status"); }
  json stats() { return get_json("/_gateway/stats"); }

  Echo& echo(const std::string& id) {
    for (auto& e : echos_)
      if (e->id == id) return *e;
    throw std::out_of_range(id);
  }

  // GET /web/hello n times; returns answers per X-Hearsay-Instance.
  std::map<std::string, int> spread(int n) {
    std::map<std::string, int> by;
    for (int i = 0; i < n; ++i) {
      auto r = gw_->Get("/web/hello?n=" + std::to_string(i));
      EXPECT_TRUE(r) << "request " << i << " got no answer";
      if (!r) continue;
      EXPECT_EQ(r->status, 200) << r->body;
      const auto body = json::parse(r->body, nullptr, false);
      EXPECT_EQ(r->get_header_value("X-Hearsay-Instance"), body.value("instance", "?"));
      EXPECT_EQ(r->get_header_value("X-Hearsay-Member"), "test-node");
      ++by[r->get_header_value("X-Hearsay-Instance")];
    }
    return by;
  }

  std::vector<std::unique_ptr<Echo>> echos_;
  std::unique_ptr<Node> node_;
  int gateway_port_ = 0;
  std::unique_ptr<ChildProcess> gateway_;
  std::unique_ptr<httplib::Client> gw_;
};

TEST_F(GatewayProxy, RoundRobinReachesEveryInstanceAndCounts) {
  const auto by = spread(30);
  // The gateway's round-robin turn is its own: 30 requests, 10 each.
  EXPECT_EQ(by, (std::map<std::string, int>{{"web-1", 10}, {"web-2", 10}, {"web-3", 10}}));

  auto r = gw_->Get("/web/a/b?x=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["path"], "/a/b");

  const auto s = stats();
  EXPECT_EQ(s["requests"], 31);
  EXPECT_EQ(s["errors"], 0);
  EXPECT_EQ(s["retries"], 0);
  int answered = 0;
  for (const auto& [id, n] : s["by_instance"].items())
    answered += n.get<int>();
  EXPECT_EQ(answered, 31);
  EXPECT_EQ(s["by_instance"].size(), 3u);
}

TEST_F(GatewayProxy, ForwardsMethodBodyAndContentType) {
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    httplib::Request req;
    req.method = method;
    req.path = "/web/items/7";
    req.body = R"({"n": 7})";
    req.set_header("Content-Type", "application/json");
    auto r = gw_->send(req);
    ASSERT_TRUE(r) << method;
    EXPECT_EQ(r->status, 200);
    const auto body = json::parse(r->body, nullptr, false);
    EXPECT_EQ(body["method"], method);
    EXPECT_EQ(body["path"], "/items/7");
    EXPECT_EQ(body["body"], R"({"n": 7})");
    EXPECT_FALSE(r->get_header_value("X-Hearsay-Instance").empty());
    EXPECT_EQ(r->get_header_value("X-Instance"), r->get_header_value("X-Hearsay-Instance"));
  }
}

TEST_F(GatewayProxy, CriticalInstanceGetsNoTraffic) {
  ASSERT_TRUE(node_->set_health("web-2", Health::critical));
  ASSERT_TRUE(wait_until(
      [&] { return status()["instances"]["test-node/web-2"]["health"] == "critical"; }, 30s));
  auto by = spread(20);
  EXPECT_EQ(by.count("web-2"), 0u);
  EXPECT_EQ(by["web-1"] + by["web-3"], 20);

  // Healthy again: it gets traffic again.
  ASSERT_TRUE(node_->set_health("web-2", Health::passing));
  ASSERT_TRUE(wait_until(
      [&] { return status()["instances"]["test-node/web-2"]["health"] == "passing"; }, 30s));
  EXPECT_GT(spread(9)["web-2"], 0);
}

TEST_F(GatewayProxy, DeadInstanceIsRetriedOnAnother) {
  // The instance's process dies; the registry still lists it (its member,
  // the test node, is alive), so only retries keep requests succeeding.
  echo("web-3").process.signal(SIGKILL);
  ASSERT_TRUE(echo("web-3").process.wait_exit(10s));
  const auto by = spread(12);
  EXPECT_EQ(by.count("web-3"), 0u);
  const auto s = stats();
  EXPECT_EQ(s["errors"], 0);
  EXPECT_GE(s["retries"].get<int>(), 1);
  EXPECT_EQ(s["by_instance"].count("web-3"), 0u);
}

TEST_F(GatewayProxy, EveryInstanceDownIs502NamingTheLastTried) {
  for (auto& e : echos_) {
    e->process.signal(SIGKILL);
    ASSERT_TRUE(e->process.wait_exit(10s));
  }
  auto r = gw_->Get("/web/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 502);
  const auto body = json::parse(r->body, nullptr, false);
  EXPECT_TRUE(body.contains("error")) << r->body;
  ASSERT_TRUE(body.contains("instance")) << r->body;
  EXPECT_EQ(r->get_header_value("X-Hearsay-Instance"), body["instance"]);
  EXPECT_EQ(r->get_header_value("X-Hearsay-Member"), "test-node");
  const auto s = stats();
  EXPECT_EQ(s["errors"], 1);
  EXPECT_EQ(s["retries"], 1);  // --retries 1: a second instance was tried
}

TEST_F(GatewayProxy, UnknownServiceIs503AndNoServiceIs404) {
  auto r = gw_->Get("/nope/x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(json::parse(r->body)["error"], "no healthy instance of 'nope'");
  r = gw_->Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(stats()["errors"], 1);
}

TEST_F(GatewayProxy, StatusShowsTheClusterAndFaultInjectionIsOff) {
  const auto s = status();
  EXPECT_EQ(s["name"], "gw");
  EXPECT_EQ(s["members"]["test-node"], "alive");
  EXPECT_EQ(s["members"]["gw"], "alive");
  EXPECT_EQ(s["instances"]["test-node/web-1"]["endpoint"], echo("web-1").endpoint());
  EXPECT_FALSE(s.contains("blocked"));
  auto r = gw_->Post("/v1/fault/partition", R"({"block": []})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

// --fault-injection: blocking the test node's endpoint cuts the gateway off;
// the node then suspects the gateway and the gateway reports what it blocks.
TEST(GatewayFault, PartitionBlocksPeers) {
  Config cfg = Config::local();
  cfg.name = "test-node";
  cfg.bind = "tcp://127.0.0.1:0";
  cfg.leave_timeout = 500ms;
  Node node{cfg};
  const int port = free_port();
  ChildProcess gateway({HEARSAY_GATEWAY_BIN, "--name", "gw", "--seed", node.endpoint(), "--profile",
                        "local", "--listen", "127.0.0.1:" + std::to_string(port),
                        "--fault-injection", "--quiet"});
  auto gw = client_for(port);
  const auto gateway_state = [&]() -> std::string {
    for (const auto& m : node.members())
      if (m.name == "gw") return std::string(to_string(m.state));
    return "";
  };
  ASSERT_TRUE(wait_until([&] { return gateway_state() == "alive"; }, 30s)) << gateway.err();
  auto r = gw->Post("/v1/fault/partition", json{{"block", {node.endpoint()}}}.dump(),
                    "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  node.block_peers({json::parse(gw->Get("/v1/status")->body)["endpoint"]});
  EXPECT_EQ(json::parse(gw->Get("/v1/status")->body)["blocked"], json::array({node.endpoint()}));
  EXPECT_TRUE(wait_until([&] { return gateway_state() != "alive"; }, 30s));
  r = gw->Post("/v1/fault/partition", R"({"block": "x"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  node.block_peers({});
  gateway.signal(SIGTERM);
  EXPECT_EQ(gateway.wait_exit(20s), 0);
}

TEST(GatewayFlags, BadFlagIsOneLineAndExitTwo) {
  for (const auto& bad :
       std::vector<std::vector<std::string>>{{"--picker", "fastest"},
                                             {"--retries", "many"},
                                             {"--listen", "nowhere"},
                                             {"--read-timeout", "5x"},
                                             {"--profile", "moon"},
                                             {"--no-such-flag"},
                                             {"--cluster-key", "/nonexistent/cluster.key"}}) {
    std::vector<std::string> args{HEARSAY_GATEWAY_BIN};
    args.insert(args.end(), bad.begin(), bad.end());
    ChildProcess gateway(args);
    EXPECT_EQ(gateway.wait_exit(20s), 2) << bad[0];
    const auto err = gateway.err();
    EXPECT_EQ(err.rfind("hearsay-gateway: error: ", 0), 0u) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

TEST(GatewayEcho, AdminFailMakesHealthAndRequests503) {
  Echo e("web-9", free_port());
  ASSERT_TRUE(wait_until([&] { return e.healthy(); }, 20s)) << e.process.err();
  auto c = client_for(e.port);
  auto r = c->Get("/any/path");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("X-Instance"), "web-9");
  const auto body = json::parse(r->body);
  EXPECT_EQ(body["instance"], "web-9");
  EXPECT_EQ(body["service"], "web");
  EXPECT_EQ(body["path"], "/any/path");

  ASSERT_TRUE(c->Post("/admin/fail", "", "text/plain"));
  EXPECT_EQ(c->Get("/health")->status, 503);
  EXPECT_EQ(c->Get("/any/path")->status, 503);
  ASSERT_TRUE(c->Post("/admin/recover", "", "text/plain"));
  EXPECT_EQ(c->Get("/health")->status, 200);

  e.process.signal(SIGTERM);
  EXPECT_EQ(e.process.wait_exit(20s), 0);
}

// Whether this machine has an IPv6 loopback to listen on.
bool has_ipv6_loopback() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (fd >= 0) ::close(fd);
  return ok;
}

// One HOST:PORT parser for every program: "[::1]:PORT" once worked for the
// agent's --http only, the gateway and the echo service took "[::1]" for a
// host name.
TEST(GatewayEcho, BothListenOnABracketedIpv6Address) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback";
  for (const bool gateway : {false, true}) {
    const auto port = free_port();
    const std::string listen = "[::1]:" + std::to_string(port);
    ChildProcess p(
        gateway ? std::vector<std::string>{HEARSAY_GATEWAY_BIN, "--listen", listen, "--profile",
                                           "local", "--quiet"}
                : std::vector<std::string>{HEARSAY_ECHO_BIN, "--id", "web-6", "--listen", listen});
    httplib::Client c("::1", port);
    c.set_connection_timeout(2s);
    const auto answers = [&] {
      const auto r = c.Get("/v1/status");
      return r && r->status == 200;
    };
    EXPECT_TRUE(wait_until([&] { return answers() || !p.running(); }, 20s) && answers())
        << (gateway ? "gateway" : "echo") << " on " << listen << ": " << p.err();
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_exit(20s), 0) << p.err();
  }
}

TEST(GatewayEcho, BadFlagIsOneLineAndExitTwo) {
  ChildProcess echo({HEARSAY_ECHO_BIN, "--id", "web-1"});  // no --listen
  EXPECT_EQ(echo.wait_exit(20s), 2);
  const auto err = echo.err();
  EXPECT_EQ(err.rfind("hearsay-echo: error: ", 0), 0u) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

}  // namespace
}  // namespace hearsay::tools
