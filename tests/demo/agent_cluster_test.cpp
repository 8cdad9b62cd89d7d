// Agents together: two in-process agents converge and see each other's
// services; the real `hearsay agent` binary exits as docs/agent.md says.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "demo/agent/agent.hpp"
#include "tests/demo/agent_test_util.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/wait.hpp"

namespace hearsay::tools {
namespace {

using nlohmann::json;
using test_support::ChildProcess;
using test_support::wait_until;
using namespace std::chrono_literals;

json get_json(std::uint16_t port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(10s);
  const auto r = c.Get(path.c_str());
  return r ? json::parse(r->body, nullptr, false) : json();
}

TEST(AgentCluster, TwoAgentsConvergeAndSeeEachOthersServices) {
  auto a_cfg = agent_test::local_agent("a");
  a_cfg.services.push_back({.service = {.name = "web", .id = "web-a", .endpoint = "http://a"}});
  Agent a(a_cfg);
  auto b_cfg = agent_test::local_agent("b");
  b_cfg.seeds = {a.node().endpoint()};
  b_cfg.services.push_back({.service = {.name = "web", .id = "web-b", .endpoint = "http://b"}});
  Agent b(b_cfg);

  ASSERT_TRUE(wait_until([&] {
    const auto sa = get_json(a.http_port(), "/v1/status");
    const auto sb = get_json(b.http_port(), "/v1/status");
    return sa.is_object() && sb.is_object() && sa["digest"] == sb["digest"] &&
           sa["counts"]["alive"] == 2;
  }));
  for (const auto port : {a.http_port(), b.http_port()}) {
    const auto web = get_json(port, "/v1/services/web");
    ASSERT_EQ(web.size(), 2u) << web.dump();
    EXPECT_EQ(web[0]["id"], "web-a");
    EXPECT_EQ(web[1]["id"], "web-b");
  }
  // a's events say b joined and b's service arrived.
  ASSERT_TRUE(wait_until([&] {
    bool joined = false, added = false;
    const auto page = get_json(a.http_port(), "/v1/events?after=0&wait=0s");
    for (const auto& e : page["events"]) {
      joined |= e["kind"] == "member" && e["type"] == "join" && e["member"] == "b";
      added |= e["kind"] == "service" && e["type"] == "added" && e["id"] == "web-b";
    }
    return joined && added;
  })) << get_json(a.http_port(), "/v1/events?after=0&wait=0s").dump();

  // b leaves: a sees it left and its instance removed.
  b.shutdown();
  ASSERT_TRUE(wait_until([&] {
    return get_json(a.http_port(), "/v1/members")[1]["state"] == "left" &&
           get_json(a.http_port(), "/v1/services/web").size() == 1;
  })) << get_json(a.http_port(), "/v1/members").dump()
      << get_json(a.http_port(), "/v1/services/web").dump();
}

// --- the real binary ---------------------------------------------------------

// A `hearsay agent` process with `args`; killed and reaped whatever happens.
ChildProcess agent_process(const std::vector<std::string>& args) {
  std::vector<std::string> argv{HEARSAY_CLI_BIN, "agent"};
  argv.insert(argv.end(), args.begin(), args.end());
  return ChildProcess(argv);
}

TEST(AgentBinary, BadConfigExitsTwoWithOneLine) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("hearsay-agent-bad-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path)
      << R"({"services": [{"name": "a", "check": {"tcp": "x:1", "interval": "1x"}}]})";
  auto p = agent_process({"--config", path.string(), "--http", "127.0.0.1:0"});
  EXPECT_EQ(p.wait_exit(30s), 2);
  const auto err = p.err();
  EXPECT_NE(err.find("services[0].check.interval"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  std::filesystem::remove(path);
}

TEST(AgentBinary, BadHttpAddressExitsTwo) {
  auto p = agent_process({"--http", "localhost", "--bind", "tcp://127.0.0.1:0", "--quiet"});
  EXPECT_EQ(p.wait_exit(30s), 2);
  EXPECT_NE(p.err().find("http"), std::string::npos) << p.err();
}

TEST(AgentBinary, BusyControlPortExitsOne) {
  test_support::Listener busy;
  auto p = agent_process({"--http", "127.0.0.1:" + std::to_string(busy.port()), "--bind",
                          "tcp://127.0.0.1:0", "--name", "n", "--quiet"});
  EXPECT_EQ(p.wait_exit(30s), 1);
  EXPECT_NE(p.err().find(std::to_string(busy.port())), std::string::npos) << p.err();
}

// httplib's default socket options include SO_REUSEPORT, with which a second
// agent could bind the same control port and take half of its connections.
// It must fail instead (exit 1, naming the port), as docs/agent.md says.
TEST(AgentBinary, SecondAgentOnTheSameControlPortExitsOne) {
  const auto port = test_support::free_port();
  const std::string http = "127.0.0.1:" + std::to_string(port);
  auto first = agent_process({"--http", http, "--bind", "tcp://127.0.0.1:0", "--name", "first",
                              "--profile", "local", "--quiet"});
  ASSERT_TRUE(wait_until([&] { return get_json(port, "/v1/status").is_object(); })) << first.err();
  auto second = agent_process({"--http", http, "--bind", "tcp://127.0.0.1:0", "--name", "second",
                               "--profile", "local", "--quiet"});
  EXPECT_EQ(second.wait_exit(30s), 1) << second.err();
  EXPECT_NE(second.err().find(std::to_string(port)), std::string::npos) << second.err();
  for (int i = 0; i < 8; ++i)  // new connections, each accepted by the first alone
    EXPECT_EQ(get_json(port, "/v1/status")["name"], "first");
}

TEST(AgentBinary, SigtermLeavesAndExitsZero) {
  const auto port = test_support::free_port();
  auto p = agent_process({"--http", "127.0.0.1:" + std::to_string(port), "--bind",
                          "tcp://127.0.0.1:0", "--name", "n", "--profile", "local", "--service",
                          R"({"name": "web", "id": "web-1"})"});
  ASSERT_TRUE(wait_until([&] { return get_json(port, "/v1/status").is_object(); })) << p.err();
  EXPECT_EQ(get_json(port, "/v1/status")["name"], "n");
  ASSERT_TRUE(p.signal(SIGTERM));
  EXPECT_EQ(p.wait_exit(10s), 0) << p.err();
  EXPECT_NE(p.err().find("leaving"), std::string::npos) << p.err();
}

TEST(AgentBinary, PostLeaveExitsZero) {
  const auto port = test_support::free_port();
  auto p = agent_process({"--http", "127.0.0.1:" + std::to_string(port), "--bind",
                          "tcp://127.0.0.1:0", "--name", "n", "--profile", "local", "--quiet"});
  ASSERT_TRUE(wait_until([&] { return get_json(port, "/v1/status").is_object(); })) << p.err();
  httplib::Client c("127.0.0.1", port);
  const auto r = c.Post("/v1/leave");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(p.wait_exit(10s), 0) << p.err();
}

}  // namespace
}  // namespace hearsay::tools
