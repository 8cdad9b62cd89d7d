// The agent's config: every bad input is refused with one line naming the field.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "demo/agent/agent.hpp"
#include "demo/agent/agent_config.hpp"
#include "demo/common/errors.hpp"
#include "tests/demo/agent_test_util.hpp"
#include "tests/demo/usage_error_util.hpp"
#include "tests/support/ports.hpp"

namespace hearsay::tools {
namespace {

using nlohmann::json;

class AgentConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hearsay-agent-config-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // The message load_config_file (then build_node_config) refuses `text` with.
  std::string error_for(const std::string& text) {
    const auto path = write("config.json", text);
    return usage_error_of(
        [&] {
          AgentConfig cfg;
          load_config_file(path, cfg);
          build_node_config(cfg);
        },
        text);
  }

  std::filesystem::path dir_;
};

TEST_F(AgentConfigFile, ReadsEveryKey) {
  const auto key = generate_keys();
  write("cluster.key", json{{"public_key", key.public_key}, {"secret_key", key.secret_key}}.dump());
  const auto path = write("config.json", R"({
    "name": "node-1", "bind": "tcp://127.0.0.1:7946", "advertise": "tcp://127.0.0.1:7946",
    "seeds": ["tcp://127.0.0.1:7947"], "profile": "local", "cluster_id": "c1",
    "cluster_key_file": "cluster.key", "allowed_keys": [")" +
                                             key.public_key + R"("],
    "http": "127.0.0.1:7901", "fault_injection": true,
    "services": [
      {"name": "web", "id": "web-1", "endpoint": "http://127.0.0.1:8081", "tags": ["v1"],
       "meta": {"zone": "a"}, "weight": 3,
       "check": {"http": "http://127.0.0.1:8081/health", "interval": "1s", "timeout": "500ms",
                 "success_before_passing": 2, "failures_before_critical": 3}},
      {"name": "db", "health": "warning"},
      {"name": "q", "id": "q-1", "check": {"ttl": "10s"}},
      {"name": "t", "check": {"tcp": "127.0.0.1:5432"}}
    ]})");
  AgentConfig cfg;
  load_config_file(path, cfg);
  EXPECT_EQ(cfg.name, "node-1");
  EXPECT_EQ(cfg.seeds, std::vector<std::string>{"tcp://127.0.0.1:7947"});
  EXPECT_EQ(cfg.profile, "local");
  EXPECT_EQ(cfg.cluster_key_file, (dir_ / "cluster.key").string());  // relative to the file
  EXPECT_TRUE(cfg.fault_injection);
  ASSERT_EQ(cfg.services.size(), 4u);
  const auto& web = cfg.services[0];
  EXPECT_EQ(web.service.weight, 3u);
  EXPECT_EQ(web.service.health, Health::critical);  // checked services start critical
  ASSERT_TRUE(web.check);
  EXPECT_EQ(web.check->type, CheckConfig::Type::http);
  EXPECT_EQ(web.check->interval, std::chrono::seconds(1));
  EXPECT_EQ(web.check->timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(web.check->success_before_passing, 2);
  EXPECT_EQ(web.check->failures_before_critical, 3);
  EXPECT_EQ(cfg.services[1].service.id, "db");
  EXPECT_EQ(cfg.services[1].service.health, Health::warning);
  EXPECT_FALSE(cfg.services[1].check);
  EXPECT_EQ(cfg.services[2].check->type, CheckConfig::Type::ttl);
  EXPECT_EQ(cfg.services[2].check->ttl, std::chrono::seconds(10));
  EXPECT_EQ(cfg.services[3].check->type, CheckConfig::Type::tcp);
  EXPECT_EQ(cfg.services[3].check->timeout, std::chrono::seconds(5));  // the default

  const Config node = build_node_config(cfg);
  ASSERT_TRUE(node.cluster_key);
  EXPECT_EQ(*node.cluster_key, key);
  EXPECT_EQ(node.probe_interval, Config::local().probe_interval);
  EXPECT_EQ(node.services.size(), 4u);
}

TEST_F(AgentConfigFile, TombstoneTimeoutOverridesTheProfiles) {
  AgentConfig cfg;
  load_config_file(write("config.json", R"({"name": "n", "tombstone_timeout": "45s"})"), cfg);
  EXPECT_EQ(cfg.tombstone_timeout, std::chrono::seconds(45));
  EXPECT_EQ(build_node_config(cfg).tombstone_timeout, std::chrono::seconds(45));
  AgentConfig plain;
  load_config_file(write("plain.json", R"({"name": "n"})"), plain);
  EXPECT_FALSE(plain.tombstone_timeout);
  EXPECT_EQ(build_node_config(plain).tombstone_timeout, Config::lan().tombstone_timeout);
}

TEST_F(AgentConfigFile, MalformedJsonNamesFileAndPosition) {
  const auto e = error_for("{\n  \"name\": \"a\",\n  oops\n}");
  EXPECT_NE(e.find("config.json"), std::string::npos) << e;
  EXPECT_NE(e.find("line 3"), std::string::npos) << e;
}

TEST_F(AgentConfigFile, MissingFileIsNamed) {
  AgentConfig cfg;
  try {
    load_config_file((dir_ / "nope.json").string(), cfg);
    FAIL() << "accepted a missing file";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.json"), std::string::npos) << e.what();
  }
}

TEST_F(AgentConfigFile, EachBadFieldIsNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"nmae": "x"})", "unknown key 'nmae'"},
      {R"({"seeds": "tcp://a:1"})", "seeds"},
      {R"({"seeds": [1]})", "seeds[0]"},
      {R"({"profile": "fast"})", "profile"},
      {R"({"fault_injection": "yes"})", "fault_injection"},
      {R"({"tombstone_timeout": "soon"})", "tombstone_timeout"},
      {R"({"tombstone_timeout": "5s"})", "tombstone_timeout"},
      {R"({"http": "localhost"})", "http"},
      {R"({"http": "127.0.0.1:99999"})", "http"},
      {R"({"bind": "localhost:7946"})", "bind"},
      {R"({"advertise": "nope"})", "advertise"},
      {R"({"seeds": ["nope"]})", "seeds"},
      {R"({"allowed_keys": ["short"]})", "allowed_keys[0]"},
      {R"({"services": {}})", "services"},
      {R"({"services": [{"id": "x"}]})", "services[0].name"},
      {R"({"services": [{"name": "a", "colour": "red"}]})", "services[0]: unknown key 'colour'"},
      {R"({"services": [{"name": "a"}, {"name": "b", "weight": -1}]})", "services[1].weight"},
      {R"({"services": [{"name": "a"}, {"name": "a"}]})", "services[1].id: duplicate"},
      {R"({"services": [{"name": "a", "check": {}}]})", "services[0].check"},
      {R"({"services": [{"name": "a", "check": {"http": "h", "tcp": "x:1"}}]})",
       "services[0].check"},
      {R"({"services": [{"name": "a", "check": {"http": "https://x/"}}]})",
       "services[0].check.http"},
      {R"({"services": [{"name": "a", "check": {"tcp": "x"}}]})", "services[0].check.tcp"},
      {R"({"services": [{"name": "a", "check": {"ttl": "soon"}}]})", "services[0].check.ttl"},
      {R"({"services": [{"name": "a"}, {"name": "b", "check": {"tcp": "x:1", "interval": "1x"}}]})",
       "services[1].check.interval: \"1x\" is not a duration like 500ms, 2s, 1m"},
      {R"({"services": [{"name": "a", "check": {"tcp": "x:1", "timeout": "0s"}}]})",
       "services[0].check.timeout"},
      {R"({"services": [{"name": "a", "check": {"tcp": "x:1", "success_before_passing": 0}}]})",
       "services[0].check.success_before_passing"},
      {R"({"services": [{"name": "a", "check": {"tcp": "x:1", "failures_before_critical": 1.5}}]})",
       "services[0].check.failures_before_critical"},
      {R"({"services": [{"name": "a", "check": {"ttl": "1s", "interval": "1s"}}]})",
       "services[0].check.interval"},
      {R"({"services": [{"name": "a", "check": {"tcp": "x:1", "script": "x"}}]})",
       "unknown key 'script'"},
      {R"({"cluster_key_file": "missing.key"})", "cluster_key_file"},
      {R"([1, 2])", "must be a JSON object"},
  };
  for (const auto& [text, field] : cases) {
    const auto e = error_for(text);
    EXPECT_NE(e.find(field), std::string::npos) << "input " << text << "\nmessage " << e;
  }
}

TEST_F(AgentConfigFile, MalformedKeyFileIsNamed) {
  write("bad.key", R"({"public_key": "abc"})");
  write("garbage.key", "not json");
  for (const char* file : {"bad.key", "garbage.key"}) {
    const auto e = error_for(std::string(R"({"name": "n", "cluster_key_file": ")") + file + "\"}");
    EXPECT_NE(e.find("cluster_key_file"), std::string::npos) << e;
    EXPECT_NE(e.find(file), std::string::npos) << e;
  }
}

TEST(AgentConfig, AgentRefusesBadHttpAddressBeforeStarting) {
  auto cfg = agent_test::local_agent("n1");
  cfg.http = "no-port-here";
  try {
    Agent agent(cfg);
    FAIL() << "started with --http no-port-here";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("http"), std::string::npos) << e.what();
  }
}

TEST(AgentConfig, BusyControlPortIsARuntimeError) {
  test_support::Listener busy;
  auto cfg = agent_test::local_agent("n1");
  cfg.http = "127.0.0.1:" + std::to_string(busy.port());
  try {
    Agent agent(cfg);
    FAIL() << "started on a busy port";
  } catch (const UsageError& e) {
    FAIL() << "a busy port is not a usage error: " << e.what();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(busy.port())), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace hearsay::tools
