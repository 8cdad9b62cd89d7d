// Health checks: Consul's thresholds over consecutive results, against a tiny
// HTTP server the test controls, a TCP port that opens and closes, and TTLs.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "demo/agent/health_check.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/wait.hpp"

namespace hearsay::tools {
namespace {

using test_support::wait_until;
using namespace std::chrono_literals;

// Every status change a HealthChecks reports, with what the caller wants to
// know at that moment.
struct Recorder {
  struct Change {
    Health status;
    int served = 0;  // answers of the current kind the test server had given
  };
  std::mutex mu;
  std::vector<Change> changes;
  std::function<int()> served = [] { return 0; };

  HealthChecks::OnChange fn() {
    return [this](const std::string&, Health h, const std::string&) {
      std::lock_guard lock(mu);
      changes.push_back({h, served()});
    };
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return changes.size();
  }
  Change at(std::size_t i) {
    std::lock_guard lock(mu);
    return changes.at(i);
  }
};

// An HTTP server whose /health answers with the status the test sets, and
// counts the answers it gave since the last change of status.
class HealthServer {
 public:
  HealthServer() {
    server_.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mu_);
      res.status = status_;
      ++served_;
      res.set_content("x", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    wait_until([&] { return server_.is_running(); });
  }
  ~HealthServer() {
    server_.stop();
    thread_.join();
  }
  void set_status(int s) {
    std::lock_guard lock(mu_);
    status_ = s;
    served_ = 0;
  }
  int served() {
    std::lock_guard lock(mu_);
    return served_;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/health"; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int status_ = 200;
  int served_ = 0;
};

TEST(AgentHealth, HttpCheckFollowsThresholds) {
  HealthServer server;
  Recorder rec;
  rec.served = [&] { return server.served(); };
  CheckConfig c;
  c.type = CheckConfig::Type::http;
  c.target = server.url();
  c.interval = 30ms;
  c.timeout = 2s;
  c.success_before_passing = 2;
  c.failures_before_critical = 3;
  HealthChecks checks(rec.fn());
  checks.add("web-1", c);
  EXPECT_EQ(checks.status("web-1")->status, Health::critical);  // until it passes

  ASSERT_TRUE(wait_until([&] { return rec.size() >= 1; }));
  EXPECT_EQ(rec.at(0).status, Health::passing);
  EXPECT_EQ(rec.at(0).served, 2);  // the second consecutive 200, not the first

  server.set_status(503);
  ASSERT_TRUE(wait_until([&] { return rec.size() >= 2; }));
  EXPECT_EQ(rec.at(1).status, Health::critical);
  EXPECT_EQ(rec.at(1).served, 3);  // the third consecutive failure
  EXPECT_NE(checks.status("web-1")->output.find("503"), std::string::npos)
      << checks.status("web-1")->output;

  server.set_status(200);
  ASSERT_TRUE(wait_until([&] { return rec.size() >= 3; }));
  EXPECT_EQ(rec.at(2).status, Health::passing);
  EXPECT_EQ(rec.at(2).served, 2);

  server.set_status(429);
  ASSERT_TRUE(wait_until([&] { return rec.size() >= 4; }));
  EXPECT_EQ(rec.at(3).status, Health::warning);
  EXPECT_EQ(rec.at(3).served, 3);
}

TEST(AgentHealth, HttpCheckWithoutAnAnswerIsCritical) {
  Recorder rec;
  CheckConfig c;
  c.type = CheckConfig::Type::http;
  c.target = "http://127.0.0.1:" + std::to_string(test_support::free_port()) + "/health";
  c.interval = 30ms;
  HealthChecks checks(rec.fn());
  checks.add("web-1", c);
  // Explicitly passing, then the next result (refused) takes over.
  ASSERT_TRUE(checks.set_status("web-1", Health::passing));
  ASSERT_TRUE(wait_until([&] { return rec.size() >= 2; }));
  EXPECT_EQ(rec.at(0).status, Health::passing);
  EXPECT_EQ(rec.at(1).status, Health::critical);
}

TEST(AgentHealth, TcpCheckFollowsThePort) {
  auto port = std::make_unique<test_support::Listener>();
  Recorder rec;
  CheckConfig c;
  c.type = CheckConfig::Type::tcp;
  c.target = "127.0.0.1:" + std::to_string(port->port());
  c.interval = 30ms;
  c.timeout = 2s;
  c.failures_before_critical = 2;
  HealthChecks checks(rec.fn());
  checks.add("db-1", c);
  ASSERT_TRUE(wait_until([&] { return rec.size() >= 1; }));
  EXPECT_EQ(rec.at(0).status, Health::passing);
  port->close();  // now refused
  ASSERT_TRUE(wait_until([&] { return rec.size() >= 2; }));
  EXPECT_EQ(rec.at(1).status, Health::critical);
  EXPECT_NE(checks.status("db-1")->output.find("refused"), std::string::npos)
      << checks.status("db-1")->output;
}

TEST(AgentHealth, TtlExpiresUnlessRefreshed) {
  Recorder rec;
  CheckConfig c;
  c.type = CheckConfig::Type::ttl;
  c.ttl = 1s;
  HealthChecks checks(rec.fn());
  checks.add("q-1", c);
  EXPECT_EQ(checks.status("q-1")->status, Health::critical);

  // Refreshed well within the TTL for 1.5 TTLs: it stays passing.
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 1500ms) {
    ASSERT_TRUE(checks.set_status("q-1", Health::passing));
    std::this_thread::sleep_for(100ms);  // the refresh pace, not a synchronisation
  }
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_EQ(rec.at(0).status, Health::passing);

  // Then left alone: critical, and not before the TTL.
  const auto last_refresh = std::chrono::steady_clock::now();
  ASSERT_TRUE(checks.set_status("q-1", Health::passing));
  ASSERT_TRUE(wait_until([&] { return rec.size() >= 2; }));
  EXPECT_GE(std::chrono::steady_clock::now() - last_refresh, 1s);
  EXPECT_EQ(rec.at(1).status, Health::critical);
  EXPECT_NE(checks.status("q-1")->output.find("TTL expired"), std::string::npos);

  // A refresh brings it back.
  ASSERT_TRUE(checks.set_status("q-1", Health::warning));
  ASSERT_EQ(rec.size(), 3u);
  EXPECT_EQ(rec.at(2).status, Health::warning);
}

TEST(AgentHealth, UnknownIdAndRemove) {
  Recorder rec;
  HealthChecks checks(rec.fn());
  EXPECT_FALSE(checks.set_status("nope", Health::passing));
  EXPECT_FALSE(checks.status("nope"));
  CheckConfig c;
  c.type = CheckConfig::Type::ttl;
  c.ttl = 10s;
  checks.add("q-1", c);
  EXPECT_TRUE(checks.remove("q-1"));
  EXPECT_FALSE(checks.remove("q-1"));
  EXPECT_FALSE(checks.set_status("q-1", Health::passing));
}

TEST(AgentHealth, StopsPromptlyDuringASlowProbe) {
  // Connects succeed through the backlog, but nothing ever answers.
  test_support::Listener silent;
  Recorder rec;
  CheckConfig c;
  c.type = CheckConfig::Type::http;
  c.target = "http://127.0.0.1:" + std::to_string(silent.port()) + "/health";
  c.timeout = 30s;
  c.interval = 60s;
  auto checks = std::make_unique<HealthChecks>(rec.fn());
  checks->add("web-1", c);
  ASSERT_TRUE(wait_until([&] {
    return checks->status("web-1")->output == "not checked yet";  // the probe is in flight
  }));
  const auto start = std::chrono::steady_clock::now();
  checks.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

}  // namespace
}  // namespace hearsay::tools
