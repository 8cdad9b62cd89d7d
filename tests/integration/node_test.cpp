// hearsay::Node over real ZeroMQ on loopback: several nodes in one process,
// ports picked by the kernel, every wait a bounded wait for a condition.
#include "hearsay/node.hpp"
#include "hearsay/testing.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/wait.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace hearsay {
namespace {

using namespace std::chrono_literals;

using hearsay::test_support::wait_until;

Config config(const std::string& name, const std::string& bind) {
  auto c = Config::local();
  c.name = name;
  c.bind = bind;
  c.leave_timeout = 2000ms;
  return c;
}

Service service(std::string name, std::string id) {
  return {.name = std::move(name), .id = std::move(id), .endpoint = "http://127.0.0.1:8080"};
}

std::size_t count_state(const Node& n, MemberState st) {
  std::size_t k = 0;
  for (const auto& m : n.members())
    k += m.state == st;
  return k;
}

struct Cluster {
  std::vector<std::unique_ptr<Node>> nodes;

  // `bind_of(i)` gives node i's bind endpoint; all join through node 0.
  Cluster(std::size_t n, const std::function<std::string(std::size_t)>& bind_of) {
    for (std::size_t i = 0; i < n; ++i) {
      auto c = config("node-" + std::to_string(i), bind_of(i));
      if (i > 0) c.seeds = {nodes[0]->endpoint()};
      nodes.push_back(std::make_unique<Node>(c));
    }
  }
  bool all(const std::function<bool(const Node&)>& pred) const {
    for (const auto& n : nodes)
      if (n && !pred(*n)) return false;
    return true;
  }
  bool converged(std::size_t n) const {
    return all([n](const Node& x) { return count_state(x, MemberState::alive) == n; });
  }
};

std::string tcp(std::size_t) {
  return "tcp://127.0.0.1:0";
}

void converge_and_spread(Cluster& c) {
  const auto n = c.nodes.size();
  ASSERT_TRUE(wait_until([&] { return c.converged(n); }, 15s)) << "cluster did not converge";

  c.nodes[3]->advertise(service("payments", "payments-3"));
  ASSERT_TRUE(wait_until(
      [&] {
        return c.all([](const Node& x) { return x.registry().lookup("payments").size() == 1; });
      },
      5s))
      << "advertisement did not reach every node";

  ASSERT_TRUE(c.nodes[3]->set_health("payments-3", Health::critical));
  ASSERT_TRUE(wait_until(
      [&] {
        return c.all([](const Node& x) {
          Query any;
          any.worst_health = Health::critical;
          const auto all = x.registry().lookup("payments", any);
          return x.registry().lookup("payments").empty() && all.size() == 1 &&
                 all.front().service.health == Health::critical;
        });
      },
      5s))
      << "health change did not reach every node";

  ASSERT_TRUE(c.nodes[3]->withdraw("payments-3"));
  Query any;
  any.worst_health = Health::critical;
  ASSERT_TRUE(wait_until(
      [&] {
        return c.all([&](const Node& x) { return x.registry().lookup("payments", any).empty(); });
      },
      5s))
      << "withdrawal did not reach every node";
}

TEST(Node, EightNodesOverTcpConvergeAndSpreadServices) {
  Cluster c(8, tcp);
  converge_and_spread(c);
}

TEST(Node, EightNodesOverIpcConvergeAndSpreadServices) {
  const test_support::ScratchDir dir("ipc");
  Cluster c(8, [&](std::size_t i) { return "ipc://" + dir.file("n" + std::to_string(i)); });
  converge_and_spread(c);
}

TEST(Node, AbruptStopIsDeclaredDeadAndLeaveIsSeenAsLeft) {
  Cluster c(6, tcp);
  ASSERT_TRUE(wait_until([&] { return c.converged(6); }, 15s));

  hearsay::testing::stop_abruptly(*c.nodes[4]);
  const auto others_see = [&](const std::string& who, MemberState st) {
    for (std::size_t i = 0; i < c.nodes.size(); ++i) {
      if (i == 4 || i == 5) continue;
      bool found = false;
      for (const auto& m : c.nodes[i]->members())
        if (m.name == who && m.state == st) found = true;
      if (!found) return false;
    }
    return true;
  };
  EXPECT_TRUE(wait_until([&] { return others_see("node-4", MemberState::dead); }, 20s))
      << "abruptly stopped node not declared dead";

  c.nodes[5]->leave();
  EXPECT_TRUE(wait_until([&] { return others_see("node-5", MemberState::left); }, 5s))
      << "leaving node not seen as left";
}

TEST(Node, WatchesDeliverServiceAndMemberEventsInOrder) {
  Cluster c(3, tcp);
  ASSERT_TRUE(wait_until([&] { return c.converged(3); }, 15s));
  std::mutex mu;
  std::vector<ServiceEventType> seen;
  auto w = c.nodes[0]->watch("cache", [&](const ServiceEvent& e) {
    std::lock_guard lock(mu);
    seen.push_back(e.type);
  });
  int thrown = 0;
  auto bad = c.nodes[0]->watch("cache", [&](const ServiceEvent&) {
    ++thrown;
    throw std::runtime_error("callback failure must not stop the node");
  });
  c.nodes[2]->advertise(service("cache", "cache-2"));
  ASSERT_TRUE(wait_until(
      [&] {
        std::lock_guard l(mu);
        return seen.size() == 1;
      },
      5s));
  c.nodes[2]->set_health("cache-2", Health::warning);
  ASSERT_TRUE(wait_until(
      [&] {
        std::lock_guard l(mu);
        return seen.size() == 2;
      },
      5s));
  c.nodes[2]->withdraw("cache-2");
  ASSERT_TRUE(wait_until(
      [&] {
        std::lock_guard l(mu);
        return seen.size() == 3;
      },
      5s));
  std::lock_guard l(mu);
  EXPECT_EQ(seen, (std::vector{ServiceEventType::added, ServiceEventType::updated,
                               ServiceEventType::removed}));
  EXPECT_GE(c.nodes[0]->stats().callback_errors, 1u);
}

TEST(Node, BadConfigAndBusyEndpointAreRefusedClearly) {
  auto c = config("", "tcp://127.0.0.1:0");
  try {
    Node n(c);
    FAIL() << "empty name accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "name");
  }
  Node first(config("a", "tcp://127.0.0.1:0"));
  try {
    Node second(config("b", first.endpoint()));
    FAIL() << "second bind to " << first.endpoint() << " succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
  EXPECT_THROW(first.advertise(service("", "x")), ConfigError);
}

TEST(Node, StatsRenderAsPrometheusText) {
  Cluster c(2, tcp);
  ASSERT_TRUE(wait_until([&] { return c.converged(2); }, 15s));
  // The stats snapshot is refreshed every 100 ms: wait for an exchanged probe.
  const auto probed = [&] {
    const auto st = c.nodes[0]->stats();
    return st.probes > 0 && st.messages_in.at("ping") + st.messages_in.at("ack") > 0;
  };
  ASSERT_TRUE(wait_until(probed, 5s));
  const auto s = c.nodes[0]->stats();
  EXPECT_EQ(s.members_alive, 2u);
  const auto text = s.to_prometheus();
  EXPECT_NE(text.find("hearsay_probes_total"), std::string::npos) << text;
}

}  // namespace
}  // namespace hearsay
