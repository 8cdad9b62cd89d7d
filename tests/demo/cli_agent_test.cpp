// The client commands against a real `hearsay agent` that advertises one
// service: tables, --json, filters, health changes and watch.
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/demo/cli_test_support.hpp"

namespace hearsay::cli_test {
namespace {

using nlohmann::json;

const char* const kWebService =
    R"({"name":"web","id":"web-1","endpoint":"http://127.0.0.1:1","tags":["v1","blue"]})";

// Words of a table line, split on runs of spaces.
std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const auto start = line.find_first_not_of(' ', i);
    if (start == std::string::npos) break;
    const auto end = line.find(' ', start);
    out.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
    i = end == std::string::npos ? line.size() : end;
  }
  return out;
}

// One agent for the read-only tests of this suite.
class CliAgentRead : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    agent_ = std::make_unique<Agent>(std::vector<std::string>{"--service", kWebService});
    ready_ = agent_->wait_for("/v1/services/web", "web-1");
  }
  static void TearDownTestSuite() { agent_.reset(); }

  void SetUp() override {
    ASSERT_TRUE(ready_) << "agent did not come up; log:\n" << (agent_ ? agent_->log() : "");
  }

  static RunResult cli(std::vector<std::string> args) {
    args.push_back("--http");
    args.push_back(agent_->http_addr());
    return run_cli(args);
  }

  static inline std::unique_ptr<Agent> agent_;
  static inline bool ready_ = false;
};

TEST_F(CliAgentRead, MembersTable) {
  const RunResult r = cli({"members"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = lines(r.out);
  ASSERT_EQ(rows.size(), 2U) << r.out;
  EXPECT_EQ(words(rows[0]), (std::vector<std::string>{"NAME", "ENDPOINT", "STATE", "SERVICES"}));
  const auto cells = words(rows[1]);
  ASSERT_EQ(cells.size(), 4U) << rows[1];
  EXPECT_EQ(cells[0], "cli-node");
  EXPECT_EQ(cells[1].rfind("tcp://127.0.0.1:", 0), 0U);
  EXPECT_EQ(cells[2], "alive");
  EXPECT_EQ(cells[3], "1");
  // Aligned: every column starts at the header's offset.
  EXPECT_EQ(rows[0].find("ENDPOINT"), rows[1].find("tcp://"));
}

TEST_F(CliAgentRead, MembersJson) {
  const RunResult r = cli({"members", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json members = json::parse(r.out);
  ASSERT_TRUE(members.is_array());
  ASSERT_EQ(members.size(), 1U);
  EXPECT_EQ(members[0]["name"], "cli-node");
  EXPECT_EQ(members[0]["state"], "alive");
  EXPECT_EQ(members[0]["services"], 1);
}

TEST_F(CliAgentRead, ServicesTableAndJson) {
  const RunResult table = cli({"services"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out, "SERVICE  INSTANCES\nweb      1\n");
  const RunResult as_json = cli({"services", "--json"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  EXPECT_EQ(json::parse(as_json.out), (json{{"web", 1}}));
}

TEST_F(CliAgentRead, InstancesTable) {
  const RunResult r = cli({"services", "web"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = lines(r.out);
  ASSERT_EQ(rows.size(), 2U) << r.out;
  EXPECT_EQ(words(rows[0]),
            (std::vector<std::string>{"ID", "MEMBER", "ENDPOINT", "HEALTH", "TAGS", "RTT"}));
  // The agent's own instance: no round trip to measure.
  EXPECT_EQ(words(rows[1]), (std::vector<std::string>{"web-1", "cli-node", "http://127.0.0.1:1",
                                                      "passing", "v1,blue", "-"}));
  EXPECT_EQ(rows[0].find("HEALTH"), rows[1].find("passing"));
}

TEST_F(CliAgentRead, InstancesJson) {
  const RunResult r = cli({"services", "web", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json instances = json::parse(r.out);
  ASSERT_EQ(instances.size(), 1U);
  const json& i = instances[0];
  EXPECT_EQ(i["id"], "web-1");
  EXPECT_EQ(i["name"], "web");
  EXPECT_EQ(i["member"], "cli-node");
  EXPECT_EQ(i["member_state"], "alive");
  EXPECT_EQ(i["endpoint"], "http://127.0.0.1:1");
  EXPECT_EQ(i["health"], "passing");
  EXPECT_EQ(i["tags"], (json{"v1", "blue"}));
  EXPECT_TRUE(i.contains("rtt_us"));
}

TEST_F(CliAgentRead, TagFilter) {
  const RunResult hit = cli({"services", "web", "--tag", "blue", "--json"});
  ASSERT_EQ(hit.exit_code, 0) << hit.err;
  EXPECT_EQ(json::parse(hit.out).size(), 1U);
  const RunResult miss = cli({"services", "web", "--tag", "green", "--json"});
  ASSERT_EQ(miss.exit_code, 0) << miss.err;
  EXPECT_EQ(json::parse(miss.out), json::array());
  const RunResult miss_table = cli({"services", "web", "--tag", "green"});
  ASSERT_EQ(miss_table.exit_code, 0) << miss_table.err;
  EXPECT_NE(miss_table.out.find("no healthy instances of 'web' tagged 'green'"), std::string::npos)
      << miss_table.out;
}

TEST_F(CliAgentRead, UnknownServiceNameIsAnEmptyList) {
  const RunResult r = cli({"services", "nope", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out), json::array());
}

TEST_F(CliAgentRead, UnknownServiceIdForHealth) {
  const RunResult r = cli({"health", "nope", "passing"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "hearsay: error: unknown service id 'nope'\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(CliAgentRead, HttpAddrFromEnvironment) {
  const RunResult r = run_cli({"members", "--json"}, {{"HEARSAY_HTTP_ADDR", agent_->http_addr()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)[0]["name"], "cli-node");
}

// Tests that change the agent's state get their own agent.
class CliAgentWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    agent_ = std::make_unique<Agent>(std::vector<std::string>{"--service", kWebService});
    ASSERT_TRUE(agent_->wait_for("/v1/services/web", "web-1")) << "log:\n" << agent_->log();
  }

  RunResult cli(std::vector<std::string> args) {
    args.push_back("--http");
    args.push_back(agent_->http_addr());
    return run_cli(args);
  }

  std::unique_ptr<Agent> agent_;
};

TEST_F(CliAgentWrite, HealthCriticalHidesTheInstanceUnlessAll) {
  const RunResult set = cli({"health", "web-1", "critical"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(set.out, "web-1: critical\n");
  ASSERT_TRUE(agent_->wait_for("/v1/services/web?all=1", "\"critical\""));
  const RunResult healthy = cli({"services", "web", "--json"});
  ASSERT_EQ(healthy.exit_code, 0) << healthy.err;
  EXPECT_EQ(json::parse(healthy.out), json::array());
  const RunResult all = cli({"services", "web", "--all"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const auto rows = lines(all.out);
  ASSERT_EQ(rows.size(), 2U) << all.out;
  EXPECT_EQ(words(rows[1])[3], "critical");
}

TEST_F(CliAgentWrite, WatchPrintsEventsAsJsonLinesAndStopsOnSigint) {
  // An event in the agent's history before the watch starts (--replay shows
  // it), then one while it runs.
  ASSERT_EQ(cli({"health", "web-1", "warning"}).exit_code, 0);
  const auto watch =
      start_cli({"watch", "web", "--json", "--replay", "--http", agent_->http_addr()});
  const auto has = [](const std::string& health) {
    return [health](const std::string& out, const std::string&) {
      for (const auto& line : lines(out)) {
        const json e = json::parse(line, nullptr, false);
        if (!e.is_discarded() && e.value("id", "") == "web-1" && e.value("health", "") == health)
          return true;
      }
      return false;
    };
  };
  ASSERT_TRUE(watch->wait_output(has("warning"), 60s))
      << "stdout: " << watch->out() << "\nstderr: " << watch->err();
  ASSERT_EQ(cli({"health", "web-1", "critical"}).exit_code, 0);
  ASSERT_TRUE(watch->wait_output(has("critical"), 60s))
      << "stdout: " << watch->out() << "\nstderr: " << watch->err();
  const RunResult r = watch->finish(SIGINT, 30s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const auto& line : lines(r.out)) {
    const json e = json::parse(line, nullptr, false);
    ASSERT_FALSE(e.is_discarded()) << line;
    EXPECT_EQ(e["service"], "web") << line;
  }
}

TEST_F(CliAgentWrite, WatchTextLinesAndSigterm) {
  const auto watch = start_cli({"watch", "web", "--replay", "--http", agent_->http_addr()});
  ASSERT_EQ(cli({"health", "web-1", "warning"}).exit_code, 0);
  const auto has_line = [](const std::string& out, const std::string&) {
    for (const auto& line : lines(out))
      if (line.find("  web-1  cli-node  warning  http://127.0.0.1:1") != std::string::npos)
        return true;
    return false;
  };
  ASSERT_TRUE(watch->wait_output(has_line, 60s))
      << "stdout: " << watch->out() << "\nstderr: " << watch->err();
  const RunResult r = watch->finish(SIGTERM, 30s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace hearsay::cli_test
