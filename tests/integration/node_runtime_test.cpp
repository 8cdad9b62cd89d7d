// hearsay::Node runtime features over real ZeroMQ: services from the Config,
// the view digest, the log callback, and the fault-injection hook that the
// demo launcher uses to split a cluster.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hearsay/node.hpp"
#include "tests/support/wait.hpp"

namespace hearsay {
namespace {

using namespace std::chrono_literals;
using hearsay::test_support::wait_until;

Config config(const std::string& name) {
  auto c = Config::local();
  c.name = name;
  c.bind = "tcp://127.0.0.1:0";
  c.leave_timeout = 1000ms;
  return c;
}

std::size_t alive(const Node& n) {
  std::size_t k = 0;
  for (const auto& m : n.members())
    k += m.state == MemberState::alive;
  return k;
}

MemberState state_of(const Node& n, const std::string& who) {
  for (const auto& m : n.members())
    if (m.name == who) return m.state;
  return MemberState::left;
}

TEST(NodeRuntime, ServicesFromConfigAreAdvertisedAtStart) {
  auto ca = config("a");
  ca.services = {{.name = "web", .id = "web-1", .endpoint = "http://127.0.0.1:1"},
                 {.name = "db", .id = "db-1", .endpoint = "tcp://127.0.0.1:2"}};
  Node a(ca);
  EXPECT_EQ(a.services().size(), 2u);
  auto cb = config("b");
  cb.seeds = {a.endpoint()};
  Node b(cb);
  ASSERT_TRUE(wait_until(
      [&] {
        return b.registry().lookup("web").size() == 1 && b.registry().lookup("db").size() == 1;
      },
      15s));
  EXPECT_EQ(b.registry().lookup("web")[0].service.id, "web-1");
}

TEST(NodeRuntime, DuplicateServiceIdInConfigIsRefused) {
  auto c = config("a");
  c.services = {{.name = "web", .id = "x", .endpoint = "http://a"},
                {.name = "api", .id = "x", .endpoint = "http://b"}};
  try {
    Node n(c);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "services");
  }
}

TEST(NodeRuntime, DigestsAgreeOnceConvergedAndDifferWhileNot) {
  Node a(config("a"));
  auto cb = config("b");
  cb.seeds = {a.endpoint()};
  Node b(cb);
  ASSERT_TRUE(wait_until([&] { return alive(a) == 2 && alive(b) == 2; }, 15s));
  ASSERT_TRUE(wait_until([&] { return a.digest() == b.digest(); }, 15s));
  EXPECT_NE(a.digest(), 0u);
  const auto before = a.digest();
  a.advertise({.name = "web", .id = "web-1", .endpoint = "http://x"});
  // a's own view changes at once; b's once the news arrives.
  ASSERT_TRUE(wait_until([&] { return a.digest() != before; }, 5s));
  ASSERT_TRUE(wait_until([&] { return a.digest() == b.digest(); }, 15s));
}

TEST(NodeRuntime, LogCallbackHearsOfAThrowingWatch) {
  std::mutex mu;
  std::vector<std::string> lines;
  auto c = config("a");
  c.log = [&](LogLevel level, std::string_view msg) {
    std::lock_guard lock(mu);
    lines.push_back(std::string(to_string(level)) + " " + std::string(msg));
  };
  Node a(c);
  auto w = a.watch("web", [](const ServiceEvent&) { throw std::runtime_error("boom"); });
  a.advertise({.name = "web", .id = "web-1", .endpoint = "http://x"});
  ASSERT_TRUE(wait_until(
      [&] {
        std::lock_guard lock(mu);
        for (const auto& l : lines)
          if (l.find("watch callback(s) threw") != std::string::npos) return true;
        return false;
      },
      10s));
  EXPECT_GE(a.stats().callback_errors, 1u);
  std::lock_guard lock(mu);
  EXPECT_EQ(lines.front().rfind("warning ", 0), 0u) << lines.front();
}

TEST(NodeRuntime, BlockedPeersPartitionAndHeal) {
  Node a(config("a"));
  auto cb = config("b");
  cb.seeds = {a.endpoint()};
  Node b(cb);
  ASSERT_TRUE(wait_until([&] { return alive(a) == 2 && alive(b) == 2; }, 15s));

  a.block_peers({b.endpoint()});
  b.block_peers({a.endpoint()});
  ASSERT_TRUE(wait_until(
      [&] {
        return state_of(a, "b") == MemberState::dead && state_of(b, "a") == MemberState::dead;
      },
      30s))
      << "a sees b " << to_string(state_of(a, "b")) << ", b sees a " << to_string(state_of(b, "a"));
  EXPECT_GT(a.stats().sends_blocked, 0u);

  a.block_peers({});
  b.block_peers({});
  // Healing relies on the periodic reconnect/rejoin (5 s in the local profile).
  ASSERT_TRUE(wait_until([&] { return alive(a) == 2 && alive(b) == 2; }, 40s));
  EXPECT_TRUE(wait_until([&] { return a.digest() == b.digest(); }, 15s));
}

}  // namespace
}  // namespace hearsay
