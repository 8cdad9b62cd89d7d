// hearsay::Node runtime features over real ZeroMQ: services from the Config,
// the view digest, the log callback, and the fault-injection hook that the
// demo launcher uses to split a cluster.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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

// The registry snapshot is published before member callbacks run, so a
// callback told "a joined" finds a's services in registry() (the agent's
// service listing used to lag its member events).
TEST(NodeRuntime, MemberCallbacksSeeTheRegistryTheyAreToldAbout) {
  auto ca = config("a");
  ca.services = {{.name = "web", .id = "web-a", .endpoint = "http://127.0.0.1:1"}};
  Node a(ca);
  auto cb = config("b");
  cb.seeds = {a.endpoint()};
  Node b(cb);
  std::mutex mu;
  std::vector<std::size_t> seen;  // instances of web in b's registry at each "a joined"
  auto w = b.watch_members([&](const MemberEvent& e) {
    if (e.name != "a" || e.type != MemberEventType::join) return;
    const auto n = b.registry().lookup("web").size();
    std::lock_guard lock(mu);
    seen.push_back(n);
  });
  ASSERT_TRUE(wait_until(
      [&] {
        std::lock_guard lock(mu);
        return !seen.empty();
      },
      15s));
  std::lock_guard lock(mu);
  EXPECT_EQ(seen.front(), 1u) << "b's callback ran before b published a's services";
}

// A listener that accepts TCP connections and closes them at once, before
// any ZeroMQ greeting: what a node sees dialling a port that is not hearsay.
class SlammingListener {
 public:
  SlammingListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(fd_, 16) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("listener");
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) > 0) {
          const int c = ::accept(fd_, nullptr, nullptr);
          if (c >= 0) ::close(c);
        }
      }
    });
  }
  ~SlammingListener() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(NodeRuntime, PeerClosingBeforeTheHandshakeIsNoKeyProblemWithoutKeys) {
  std::mutex mu;
  std::vector<std::string> lines;
  auto c = config("a");
  c.log = [&](LogLevel, std::string_view msg) {
    std::lock_guard lock(mu);
    lines.emplace_back(msg);
  };
  SlammingListener peer;
  c.seeds = {peer.endpoint()};
  Node a(c);
  std::string line;
  ASSERT_TRUE(wait_until(
      [&] {
        std::lock_guard lock(mu);
        for (const auto& l : lines)
          if (l.find("handshake") != std::string::npos) line = l;
        return !line.empty();
      },
      15s));
  EXPECT_GT(a.stats().handshake_failures, 0u);
  EXPECT_EQ(line.find("CURVE"), std::string::npos) << line;
  EXPECT_EQ(line.find("key"), std::string::npos) << line;
}

// Every member is probed once a round of the schedule; the idle close never
// undercuts two rounds, or each probe would pay a new TCP and ZMTP handshake.
TEST(NodeRuntime, IdleCloseNeverUndercutsTheProbeSchedule) {
  constexpr int kNodes = 4;  // local profile: 500 ms probes, a round of ~2 s
  std::vector<std::unique_ptr<Node>> nodes;
  for (int i = 0; i < kNodes; ++i) {
    auto c = config("n" + std::to_string(i));
    c.idle_connection_close = 200ms;  // far below a round
    if (i > 0) c.seeds = {nodes[0]->endpoint()};
    nodes.push_back(std::make_unique<Node>(c));
  }
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& n : nodes)
          if (alive(*n) != kNodes) return false;
        return true;
      },
      15s));
  const auto before = nodes[0]->stats().connections_closed;
  std::this_thread::sleep_for(3s);  // several probes of each peer
  EXPECT_EQ(nodes[0]->stats().connections_closed, before);
  EXPECT_EQ(nodes[0]->stats().outbound_connections, static_cast<std::size_t>(kNodes - 1));
}

TEST(NodeRuntime, NodeIsMovable) {
  Node a(config("a"));
  const auto endpoint = a.endpoint();
  Node moved(std::move(a));
  EXPECT_EQ(moved.endpoint(), endpoint);
  moved.advertise({.name = "web", .id = "web-1", .endpoint = "http://x"});
  EXPECT_TRUE(wait_until([&] { return moved.registry().lookup("web").size() == 1; }, 10s));

  // Assigning over a running node leaves and stops it first.
  auto cb = config("b");
  cb.seeds = {endpoint};
  Node b(cb);
  ASSERT_TRUE(wait_until([&] { return alive(moved) == 2; }, 15s));
  b = Node(config("c"));
  EXPECT_EQ(b.name(), "c");
  EXPECT_TRUE(wait_until([&] { return state_of(moved, "b") == MemberState::left; }, 10s))
      << to_string(state_of(moved, "b"));
}

}  // namespace
}  // namespace hearsay
