// The agent's control API, against an agent run in-process on free ports.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "demo/agent/agent.hpp"
#include "demo/agent/event_log.hpp"
#include "tests/demo/agent_test_util.hpp"
#include "tests/support/wait.hpp"

namespace hearsay::tools {
namespace {

using nlohmann::json;
using test_support::wait_until;
using namespace std::chrono_literals;

struct Reply {
  int status = 0;
  json body;
  std::string text;
};

// A TCP connection from this process to 127.0.0.1:`port`; -1 on failure.
int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

bool same_address(const sockaddr_in& a, const sockaddr_in& b) {
  return a.sin_family == b.sin_family && a.sin_port == b.sin_port &&
         a.sin_addr.s_addr == b.sin_addr.s_addr;
}

// The server's end of connection `client` when the server runs in this
// process: the descriptor whose local and peer addresses are the client's
// peer and local ones. -1 if there is none.
int server_end_of(int client) {
  sockaddr_in local{}, peer{};
  socklen_t len = sizeof local;
  if (::getsockname(client, reinterpret_cast<sockaddr*>(&local), &len) != 0) return -1;
  len = sizeof peer;
  if (::getpeername(client, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return -1;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::stoi(entry.path().filename().string());
    sockaddr_in their_local{}, their_peer{};
    len = sizeof their_local;
    if (fd == client || ::getsockname(fd, reinterpret_cast<sockaddr*>(&their_local), &len) != 0)
      continue;
    len = sizeof their_peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&their_peer), &len) != 0) continue;
    if (same_address(their_local, peer) && same_address(their_peer, local)) return fd;
  }
  return -1;
}

class AgentApi : public ::testing::Test {
 protected:
  void start(AgentConfig cfg) {
    agent_ = std::make_unique<Agent>(std::move(cfg));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", agent_->http_port());
    client_->set_read_timeout(30s);
  }
  void SetUp() override {
    auto cfg = agent_test::local_agent("n1");
    ServiceConfig web;
    web.service = {.name = "web",
                   .id = "web-1",
                   .endpoint = "http://127.0.0.1:8081",
                   .tags = {"v1"},
                   .meta = {{"zone", "a"}}};
    cfg.services.push_back(web);
    start(cfg);
  }

  Reply get(const std::string& path) { return done(client_->Get(path.c_str())); }
  Reply put(const std::string& path, const std::string& body) {
    return done(client_->Put(path.c_str(), body, "application/json"));
  }
  Reply post(const std::string& path, const std::string& body) {
    return done(client_->Post(path.c_str(), body, "application/json"));
  }
  Reply del(const std::string& path) { return done(client_->Delete(path.c_str())); }

  static Reply done(const httplib::Result& r) {
    Reply out;
    if (!r) {
      ADD_FAILURE() << "no answer: " << httplib::to_string(r.error());
      return out;
    }
    out.status = r->status;
    out.text = r->body;
    out.body = json::parse(r->body, nullptr, false);
    return out;
  }

  std::unique_ptr<Agent> agent_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(AgentApi, StatusShape) {
  const auto r = get("/v1/status");
  ASSERT_EQ(r.status, 200);
  const auto& s = r.body;
  EXPECT_EQ(s["name"], "n1");
  EXPECT_EQ(s["endpoint"], agent_->node().endpoint());
  EXPECT_EQ(s["digest"].get<std::string>().size(), 16u);
  EXPECT_TRUE(s["registry_version"].is_number_unsigned());
  EXPECT_EQ(s["members"]["n1"], "alive");
  EXPECT_EQ(s["counts"]["alive"], 1);
  ASSERT_TRUE(wait_until([&] { return get("/v1/status").body["instances"].contains("n1/web-1"); }));
  const auto i = get("/v1/status").body["instances"]["n1/web-1"];
  EXPECT_EQ(i["service"], "web");
  EXPECT_EQ(i["health"], "passing");
  EXPECT_EQ(i["member_state"], "alive");
  EXPECT_FALSE(s.contains("blocked"));  // fault injection is off
}

TEST_F(AgentApi, MembersAndServices) {
  const auto m = get("/v1/members");
  ASSERT_EQ(m.status, 200);
  ASSERT_EQ(m.body.size(), 1u);
  EXPECT_EQ(m.body[0]["name"], "n1");
  EXPECT_EQ(m.body[0]["state"], "alive");
  EXPECT_EQ(m.body[0]["services"], 1);

  ASSERT_TRUE(wait_until([&] { return get("/v1/services/web").body.size() == 1; }));
  const auto web = get("/v1/services/web").body[0];
  for (const char* key : {"member", "member_state", "name", "id", "endpoint", "tags", "meta",
                          "health", "weight", "rtt_us"})
    EXPECT_TRUE(web.contains(key)) << key;
  EXPECT_EQ(web["id"], "web-1");
  EXPECT_EQ(web["meta"]["zone"], "a");
  EXPECT_EQ(get("/v1/services/web?tag=v1").body.size(), 1u);
  EXPECT_EQ(get("/v1/services/web?tag=v2").body.size(), 0u);
  const auto unknown = get("/v1/services/nothing");
  EXPECT_EQ(unknown.status, 200);
  EXPECT_EQ(unknown.body, json::array());
  EXPECT_EQ(get("/v1/services").body, (json{{"web", 1}}));
}

TEST_F(AgentApi, HealthUpdates) {
  const auto unknown = put("/v1/health/nope", R"({"status": "passing"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body["error"], "unknown service id 'nope'");
  EXPECT_EQ(put("/v1/health/web-1", R"({"status": "sick"})").status, 400);
  EXPECT_EQ(put("/v1/health/web-1", "not json").status, 400);

  const auto ok = put("/v1/health/web-1", R"({"status": "critical"})");
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, (json{{"id", "web-1"}, {"status", "critical"}}));
  ASSERT_TRUE(wait_until([&] { return get("/v1/services/web").body.empty(); }));
  EXPECT_EQ(get("/v1/services/web?all=1").body.size(), 1u);
  EXPECT_EQ(get("/v1/services").body, (json{{"web", 0}}));
  EXPECT_EQ(get("/v1/services?all=1").body, (json{{"web", 1}}));
}

TEST_F(AgentApi, LocalServicesAddReplaceDelete) {
  // A TTL-checked service starts critical and passes once refreshed.
  const auto added = put("/v1/local/services",
                         R"({"name": "api", "id": "api-1", "endpoint": "http://127.0.0.1:9000",
                             "check": {"ttl": "30s"}})");
  ASSERT_EQ(added.status, 200) << added.text;
  EXPECT_EQ(added.body["id"], "api-1");
  const auto local = get("/v1/local/services").body;
  ASSERT_EQ(local.size(), 2u);
  json api;
  for (const auto& s : local)
    if (s["id"] == "api-1") api = s;
  EXPECT_EQ(api["health"], "critical");
  EXPECT_EQ(api["check"]["type"], "ttl");
  EXPECT_EQ(api["check"]["status"], "critical");
  ASSERT_TRUE(wait_until([&] { return get("/v1/services/api?all=1").body.size() == 1; }));
  EXPECT_TRUE(get("/v1/services/api").body.empty());
  ASSERT_EQ(put("/v1/health/api-1", R"({"status": "passing"})").status, 200);
  ASSERT_TRUE(wait_until([&] { return get("/v1/services/api").body.size() == 1; }));

  // Bad objects are refused naming the field; nothing changes.
  const auto bad = put("/v1/local/services", R"({"name": "x", "check": {"ttl": "1x"}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body["error"].get<std::string>().find("check.ttl"), std::string::npos) << bad.text;
  EXPECT_EQ(put("/v1/local/services", R"({"id": "x"})").status, 400);

  // Replacing by id drops the check.
  ASSERT_EQ(
      put("/v1/local/services", R"({"name": "api", "id": "api-1", "health": "warning"})").status,
      200);
  const auto replaced = get("/v1/local/services").body;
  for (const auto& s : replaced)
    if (s["id"] == "api-1") {
      EXPECT_EQ(s["check"]["type"], "none");
    }

  EXPECT_EQ(del("/v1/local/services/api-1").status, 200);
  EXPECT_EQ(del("/v1/local/services/api-1").status, 404);
  ASSERT_TRUE(wait_until([&] { return get("/v1/services/api?all=1").body.empty(); }));
}

TEST_F(AgentApi, EventsLongPoll) {
  ASSERT_TRUE(
      wait_until([&] { return !get("/v1/events?after=0&wait=0s").body["events"].empty(); }));
  const auto first = get("/v1/events?after=0&wait=0s").body;
  EXPECT_EQ(first["events"][0]["kind"], "service");
  EXPECT_EQ(first["events"][0]["type"], "added");
  EXPECT_EQ(first["events"][0]["id"], "web-1");
  const auto next = first["next"].get<std::uint64_t>();

  // Nothing new: the poll waits, then a change answers it.
  auto poll = std::async(std::launch::async, [&, next] {
    httplib::Client c("127.0.0.1", agent_->http_port());
    c.set_read_timeout(60s);
    auto r = c.Get(("/v1/events?after=" + std::to_string(next) + "&wait=30s&service=db").c_str());
    return r ? json::parse(r->body, nullptr, false) : json();
  });
  EXPECT_EQ(poll.wait_for(300ms), std::future_status::timeout);
  ASSERT_EQ(put("/v1/local/services", R"({"name": "db", "id": "db-1"})").status, 200);
  ASSERT_EQ(poll.wait_for(20s), std::future_status::ready);
  const auto page = poll.get();
  ASSERT_EQ(page["events"].size(), 1u) << page.dump();
  EXPECT_EQ(page["events"][0]["service"], "db");
  EXPECT_EQ(page["events"][0]["type"], "added");
  EXPECT_GT(page["next"].get<std::uint64_t>(), next);

  EXPECT_EQ(get("/v1/events?after=x").status, 400);
  EXPECT_EQ(get("/v1/events?wait=forever").status, 400);
}

TEST_F(AgentApi, Metrics) {
  const auto r = client_->Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_NE(r->body.find("hearsay_"), std::string::npos);
}

TEST_F(AgentApi, FaultInjectionIsOffByDefault) {
  const auto r = post("/v1/fault/partition", R"({"block": ["tcp://127.0.0.1:1"]})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body["error"], "fault injection is off (start the agent with --fault-injection)");
}

TEST_F(AgentApi, FaultInjectionBlocksAndHeals) {
  agent_.reset();
  auto cfg = agent_test::local_agent("n1");
  cfg.fault_injection = true;
  start(cfg);
  EXPECT_EQ(get("/v1/status").body["blocked"], json::array());
  ASSERT_EQ(post("/v1/fault/partition", R"({"block": ["tcp://127.0.0.1:1"]})").status, 200);
  EXPECT_EQ(get("/v1/status").body["blocked"], (json{"tcp://127.0.0.1:1"}));
  EXPECT_EQ(post("/v1/fault/partition", R"({"block": "x"})").status, 400);
  ASSERT_EQ(post("/v1/fault/partition", R"({"block": []})").status, 200);
  EXPECT_EQ(get("/v1/status").body["blocked"], json::array());
}

// httplib writes a response's headers and body in separate writes; with
// Nagle's algorithm on, the body waits for the client's delayed ACK, about
// 40 ms on every request of a kept-alive connection after the first (three
// /v1/status in one curl took 80 ms more than they should). Checked on the
// server's own end of a real connection rather than by timing requests: a
// time bound would be flaky on a loaded machine, the socket option is not.
TEST_F(AgentApi, ControlConnectionsHaveTcpNodelay) {
  const int client = connect_loopback(agent_->http_port());
  ASSERT_GE(client, 0) << std::strerror(errno);
  const std::string request = "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::send(client, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  char answer[16] = {};
  ASSERT_GT(::recv(client, answer, sizeof answer - 1, 0), 0);  // accepted and answered
  EXPECT_EQ(std::string(answer).rfind("HTTP/1.1 200", 0), 0u) << answer;
  const int server = server_end_of(client);
  ASSERT_GE(server, 0) << "the agent's end of the connection was not found";
  int nodelay = 0;
  socklen_t len = sizeof nodelay;
  ASSERT_EQ(::getsockopt(server, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
  EXPECT_NE(nodelay, 0) << "the control API sends with Nagle's algorithm on";
  ::close(client);
}

TEST_F(AgentApi, UnknownRouteIsJson404) {
  const auto r = get("/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.body.contains("error"));
}

TEST_F(AgentApi, LeaveStopsTheAgent) {
  EXPECT_FALSE(agent_->stop_requested());
  EXPECT_EQ(post("/v1/leave", "").status, 200);
  ASSERT_TRUE(wait_until([&] { return agent_->stop_requested(); }));
  const auto start = std::chrono::steady_clock::now();
  agent_->shutdown();  // what `hearsay agent` does next
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_FALSE(client_->Get("/v1/status"));  // no longer served
}

TEST(AgentEventLog, KeepsTheNewestAndFilters) {
  EventLog log(3);
  for (int i = 0; i < 5; ++i) {
    AgentEvent e;
    e.kind = "service";
    e.type = "added";
    e.service = i % 2 ? "a" : "b";
    log.append(e);
  }
  const auto all = log.read(0, std::nullopt, 0ms);
  ASSERT_EQ(all.events.size(), 3u);
  EXPECT_EQ(all.events[0].seq, 3u);
  EXPECT_EQ(all.next, 5u);
  const auto only_a = log.read(0, "a", 0ms);
  ASSERT_EQ(only_a.events.size(), 1u);
  EXPECT_EQ(only_a.events[0].seq, 4u);
  // A cursor from a previous run of the agent reads on from the newest.
  EXPECT_EQ(log.read(99, std::nullopt, 0ms).next, 5u);
}

TEST(AgentEventLog, CloseWakesReaders) {
  EventLog log;
  auto reader =
      std::async(std::launch::async, [&] { return log.read(0, std::nullopt, 60s).events.size(); });
  EXPECT_EQ(reader.wait_for(100ms), std::future_status::timeout);
  log.close();
  ASSERT_EQ(reader.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(reader.get(), 0u);
}

}  // namespace
}  // namespace hearsay::tools
