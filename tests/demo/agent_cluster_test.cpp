// Agents together: two in-process agents converge and see each other's
// services; the real `hearsay agent` binary exits as docs/agent.md says.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "demo/agent/agent.hpp"
#include "tests/demo/agent_test_util.hpp"

namespace hearsay::tools {
namespace {

using agent_test::wait_until;
using nlohmann::json;
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

// A `hearsay agent` process; killed and reaped whatever happens.
class AgentProcess {
 public:
  explicit AgentProcess(const std::vector<std::string>& args) {
    stderr_path_ =
        std::filesystem::temp_directory_path() /
        ("hearsay-agent-stderr-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 2);
      std::vector<std::string> all{HEARSAY_CLI_BIN, "agent"};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~AgentProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove(stderr_path_);
  }
  // The exit code, or -1 if it is still running after `bound`.
  int wait_exit(std::chrono::milliseconds bound) {
    int status = 0;
    const bool done = wait_until(
        [&] {
          if (exited_) return true;
          if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            exited_ = true;
            code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          }
          return exited_;
        },
        bound);
    return done ? code_ : -1;
  }
  std::string err() const {
    std::ifstream in(stderr_path_);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  pid_t pid() const { return pid_; }

 private:
  static inline int counter_ = 0;
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
  std::filesystem::path stderr_path_;
};

TEST(AgentBinary, BadConfigExitsTwoWithOneLine) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("hearsay-agent-bad-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path)
      << R"({"services": [{"name": "a", "check": {"tcp": "x:1", "interval": "1x"}}]})";
  AgentProcess p({"--config", path.string(), "--http", "127.0.0.1:0"});
  EXPECT_EQ(p.wait_exit(30s), 2);
  const auto err = p.err();
  EXPECT_NE(err.find("services[0].check.interval"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  std::filesystem::remove(path);
}

TEST(AgentBinary, BadHttpAddressExitsTwo) {
  AgentProcess p({"--http", "localhost", "--bind", "tcp://127.0.0.1:0", "--quiet"});
  EXPECT_EQ(p.wait_exit(30s), 2);
  EXPECT_NE(p.err().find("http"), std::string::npos) << p.err();
}

TEST(AgentBinary, BusyControlPortExitsOne) {
  agent_test::Listener busy;
  AgentProcess p({"--http", "127.0.0.1:" + std::to_string(busy.port), "--bind", "tcp://127.0.0.1:0",
                  "--name", "n", "--quiet"});
  EXPECT_EQ(p.wait_exit(30s), 1);
  EXPECT_NE(p.err().find(std::to_string(busy.port)), std::string::npos) << p.err();
}

TEST(AgentBinary, SigtermLeavesAndExitsZero) {
  const auto port = agent_test::free_port();
  AgentProcess p({"--http", "127.0.0.1:" + std::to_string(port), "--bind", "tcp://127.0.0.1:0",
                  "--name", "n", "--profile", "local", "--service",
                  R"({"name": "web", "id": "web-1"})"});
  ASSERT_TRUE(wait_until([&] { return get_json(port, "/v1/status").is_object(); })) << p.err();
  EXPECT_EQ(get_json(port, "/v1/status")["name"], "n");
  ::kill(p.pid(), SIGTERM);
  EXPECT_EQ(p.wait_exit(10s), 0) << p.err();
  EXPECT_NE(p.err().find("leaving"), std::string::npos) << p.err();
}

TEST(AgentBinary, PostLeaveExitsZero) {
  const auto port = agent_test::free_port();
  AgentProcess p({"--http", "127.0.0.1:" + std::to_string(port), "--bind", "tcp://127.0.0.1:0",
                  "--name", "n", "--profile", "local", "--quiet"});
  ASSERT_TRUE(wait_until([&] { return get_json(port, "/v1/status").is_object(); })) << p.err();
  httplib::Client c("127.0.0.1", port);
  const auto r = c.Post("/v1/leave");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(p.wait_exit(10s), 0) << p.err();
}

}  // namespace
}  // namespace hearsay::tools
