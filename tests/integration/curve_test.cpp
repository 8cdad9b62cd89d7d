// CurveZMQ over loopback: nodes holding the cluster key converge and share
// services; a node with another key is never admitted and learns nothing; with
// per-node keys and an allow-list, a node whose key is not listed is refused.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hearsay/keys.hpp"
#include "hearsay/node.hpp"
#include "tests/support/wait.hpp"

namespace hearsay {
namespace {

using namespace std::chrono_literals;

using hearsay::test_support::holds_for;
using hearsay::test_support::wait_until;

Config config(const std::string& name, const KeyPair& cluster_key,
              std::optional<KeyPair> node_key = std::nullopt,
              std::vector<std::string> allowed = {}) {
  auto c = Config::local();
  c.name = name;
  c.bind = "tcp://127.0.0.1:0";
  c.leave_timeout = 1000ms;
  c.cluster_key = cluster_key;
  c.node_key = std::move(node_key);
  c.allowed_keys = std::move(allowed);
  return c;
}

Service service(std::string name, std::string id) {
  return {.name = std::move(name), .id = std::move(id), .endpoint = "http://127.0.0.1:8080"};
}

bool knows(const Node& n, const std::string& member) {
  for (const auto& m : n.members())
    if (m.name == member) return true;
  return false;
}

bool all_alive(const Node& n, const std::vector<std::string>& names) {
  const auto ms = n.members();
  if (ms.size() != names.size()) return false;
  for (const auto& name : names) {
    bool ok = false;
    for (const auto& m : ms)
      ok = ok || (m.name == name && m.state == MemberState::alive);
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> member_names(const Node& n) {
  std::vector<std::string> out;
  for (const auto& m : n.members())
    out.push_back(m.name + " " + m.endpoint);
  return out;
}

// The service records of `name` (not their member's state or round-trip time).
std::vector<Service> services_of(const Node& n, const std::string& name) {
  Query any;
  any.worst_health = Health::critical;
  std::vector<Service> out;
  for (const auto& i : n.registry().lookup(name, any))
    out.push_back(i.service);
  return out;
}

using Nodes = std::vector<std::unique_ptr<Node>>;

bool every(const Nodes& nodes, const std::function<bool(const Node&)>& pred) {
  for (const auto& n : nodes)
    if (!pred(*n)) return false;
  return true;
}

std::vector<std::string> endpoints(const Nodes& nodes) {
  std::vector<std::string> out;
  for (const auto& n : nodes)
    out.push_back(n->endpoint());
  return out;
}

TEST(Curve, ClusterKeyHoldersConvergeAndAWrongKeyIsNeverAdmitted) {
  const auto key = generate_keys();
  Nodes nodes;
  for (int i = 0; i < 3; ++i) {
    auto c = config("secure-" + std::to_string(i), key);
    if (i > 0) c.seeds = {nodes[0]->endpoint()};
    nodes.push_back(std::make_unique<Node>(c));
  }
  const std::vector<std::string> names = {"secure-0", "secure-1", "secure-2"};
  ASSERT_TRUE(wait_until(
      [&] { return every(nodes, [&](const Node& n) { return all_alive(n, names); }); }, 10s))
      << "nodes sharing the cluster key did not converge";
  nodes[2]->advertise(service("payments", "payments-2"));
  ASSERT_TRUE(wait_until(
      [&] {
        return every(nodes,
                     [](const Node& n) { return n.registry().lookup("payments").size() == 1; });
      },
      5s))
      << "advertisement did not reach every key holder";
  std::vector<std::vector<std::string>> members_before;
  std::vector<std::vector<Service>> payments_before;
  for (const auto& n : nodes) {
    members_before.push_back(member_names(*n));
    payments_before.push_back(services_of(*n, "payments"));
  }

  // Same cluster, another key: every handshake with the cluster fails.
  auto ic = config("intruder", generate_keys());
  ic.seeds = endpoints(nodes);
  Node intruder(ic);
  intruder.advertise(service("payments", "payments-evil"));
  intruder.advertise(service("evil", "evil-1"));

  const auto unchanged = [&] {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (knows(*nodes[i], "intruder")) return false;
      if (member_names(*nodes[i]) != members_before[i]) return false;
      if (services_of(*nodes[i], "payments") != payments_before[i]) return false;
      if (!nodes[i]->registry().lookup("evil").empty()) return false;
    }
    // ...and the intruder learns nothing of the cluster.
    const auto im = intruder.members();
    if (im.size() != 1 || im.front().name != "intruder") return false;
    for (const auto& inst : intruder.registry().lookup("payments"))
      if (inst.member != "intruder") return false;
    return true;
  };
  EXPECT_TRUE(holds_for(unchanged, 3s))
      << "a node with the wrong key was admitted, learnt the registry or changed it";
}

TEST(Curve, WithAnAllowListOnlyListedNodeKeysAreAdmitted) {
  const auto cluster = generate_keys();
  const auto ka = generate_keys();
  const auto kb = generate_keys();
  const auto kc = generate_keys();
  const auto unlisted = generate_keys();
  const std::vector<std::string> allowed = {ka.public_key, kb.public_key, kc.public_key};

  Nodes nodes;
  nodes.push_back(std::make_unique<Node>(config("listed-a", cluster, ka, allowed)));
  auto cb = config("listed-b", cluster, kb, allowed);
  cb.seeds = {nodes[0]->endpoint()};
  nodes.push_back(std::make_unique<Node>(cb));
  ASSERT_TRUE(wait_until(
      [&] {
        return every(nodes, [](const Node& n) { return all_alive(n, {"listed-a", "listed-b"}); });
      },
      10s))
      << "listed nodes did not converge";

  // Holds the cluster key pair but authenticates with a key nobody listed.
  auto cu = config("unlisted", cluster, unlisted, allowed);
  cu.seeds = endpoints(nodes);
  Node refused(cu);
  // A listed latecomer is admitted meanwhile.
  auto cc = config("listed-c", cluster, kc, allowed);
  cc.seeds = {nodes[1]->endpoint()};
  nodes.push_back(std::make_unique<Node>(cc));

  const std::vector<std::string> listed = {"listed-a", "listed-b", "listed-c"};
  EXPECT_TRUE(wait_until(
      [&] { return every(nodes, [&](const Node& n) { return all_alive(n, listed); }); }, 10s))
      << "a node with a listed key was not admitted";
  EXPECT_TRUE(holds_for(
      [&] {
        return every(nodes, [](const Node& n) { return !knows(n, "unlisted"); }) &&
               refused.members().size() == 1;
      },
      3s))
      << "a node whose key is not in allowed_keys was admitted";
}

TEST(Curve, MalformedKeysAreRejectedNamingTheField) {
  auto c = Config::local();
  c.name = "n";
  c.bind = "tcp://127.0.0.1:0";
  const auto good = generate_keys();
  EXPECT_EQ(good.public_key.size(), 40u);
  EXPECT_TRUE(is_z85_key(good.public_key));
  EXPECT_TRUE(is_z85_key(good.secret_key));

  c.cluster_key = KeyPair{"not-a-key", good.secret_key};
  try {
    c.validate();
    FAIL() << "malformed cluster_key accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "cluster_key") << e.what();
  }
  EXPECT_THROW(Node{c}, ConfigError);

  c.cluster_key = KeyPair{good.public_key, std::string(40, '"')};
  try {
    c.validate();
    FAIL() << "cluster_key with a malformed secret accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "cluster_key") << e.what();
  }

  c.cluster_key = good;
  c.allowed_keys = {good.public_key, "short"};
  try {
    c.validate();
    FAIL() << "malformed allowed_keys entry accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "allowed_keys") << e.what();
  }

  c.allowed_keys.clear();
  c.validate();  // now fine
}

}  // namespace
}  // namespace hearsay
