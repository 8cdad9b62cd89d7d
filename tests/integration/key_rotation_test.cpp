// CurveZMQ key rotation without downtime (docs/security.md): a 3-node
// hearsay::Node cluster on loopback tcp moves from cluster key A to B by
// replacing its nodes one at a time through three config phases. After every
// replacement the cluster re-converges within a bounded wait, the survivors
// never declare one another dead or left, and a service advertised on the
// first node stays visible everywhere. At the end a node with only A is
// refused. Every wait is a bounded wait for a condition.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hearsay/node.hpp"
#include "hearsay/testing.hpp"
#include "tests/support/wait.hpp"

namespace hearsay {
namespace {

using namespace std::chrono_literals;

using hearsay::test_support::wait_until;

std::size_t alive(const Node& n) {
  std::size_t k = 0;
  for (const auto& m : n.members())
    k += m.state == MemberState::alive;
  return k;
}

bool knows(const Node& n, const std::string& name) {
  const auto members = n.members();
  return std::any_of(members.begin(), members.end(),
                     [&](const MemberInfo& m) { return m.name == name; });
}

Service web() {
  Service s;
  s.name = "web";
  s.id = "web-0";
  s.endpoint = "http://127.0.0.1:8080";
  return s;
}

bool sees_web(const Node& n) {
  return n.registry().lookup("web").size() == 1;
}

// The config of each phase of the rotation from A to B.
Config phase_config(int phase, const KeyPair& a, const KeyPair& b) {
  auto c = Config::local();
  c.leave_timeout = 1000ms;
  switch (phase) {
    case 0:
      c.cluster_key = a;
      break;
    case 1:  // serve A; dial A, then B; admit both
      c.cluster_key = a;
      c.extra_cluster_keys = {b};
      break;
    case 2:  // serve B; dial B, then A; admit both
      c.cluster_key = b;
      c.extra_cluster_keys = {a};
      break;
    default:  // A is gone
      c.cluster_key = b;
      break;
  }
  return c;
}

// Membership events some node saw, from its own thread.
struct EventLog {
  std::mutex mu;
  std::vector<MemberEvent> events;

  void add(const MemberEvent& e) {
    std::lock_guard lock(mu);
    events.push_back(e);
  }
  // Dead or left events about anyone but `except`.
  std::vector<std::string> losses(const std::string& except) {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& e : events)
      if ((e.type == MemberEventType::dead || e.type == MemberEventType::left) && e.name != except)
        out.push_back(std::string(to_string(e.type)) + " " + e.name);
    return out;
  }
  // `name` left and then came back (join or alive) since the last clear().
  bool saw_rejoin(const std::string& name) {
    std::lock_guard lock(mu);
    bool left = false;
    for (const auto& e : events) {
      if (e.name != name) continue;
      if (e.type == MemberEventType::left || e.type == MemberEventType::dead) left = true;
      if (left && (e.type == MemberEventType::join || e.type == MemberEventType::alive))
        return true;
    }
    return false;
  }
  void clear() {
    std::lock_guard lock(mu);
    events.clear();
  }
};

struct Slot {
  std::string name;
  std::string bind;  // the endpoint the first incarnation resolved
  std::unique_ptr<Node> node;
  std::unique_ptr<EventLog> log = std::make_unique<EventLog>();
  Watch watch;
};

class Cluster {
 public:
  Cluster(const KeyPair& a, const KeyPair& b) : a_(a), b_(b) {}

  void start() {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      auto& s = slots_[i];
      s.name = "node-" + std::to_string(i);
      auto c = phase_config(0, a_, b_);
      c.name = s.name;
      c.bind = "tcp://127.0.0.1:0";
      if (i > 0) c.seeds = {slots_[0].bind};
      s.node = std::make_unique<Node>(c);
      s.bind = s.node->endpoint();
      watch(s);
    }
  }

  // Leaves and destroys slot i's node, then starts it again with the same
  // name and endpoint and the config of `phase`, seeded with the others.
  void replace(std::size_t i, int phase) {
    auto& s = slots_[i];
    s.watch.cancel();
    s.node.reset();  // leaves gracefully
    auto c = phase_config(phase, a_, b_);
    c.name = s.name;
    c.bind = s.bind;
    for (const auto& other : slots_)
      if (other.name != s.name) c.seeds.push_back(other.bind);
    s.node = std::make_unique<Node>(c);
    ASSERT_EQ(s.node->endpoint(), s.bind);
    s.log->clear();
    watch(s);
    if (i == 0) s.node->advertise(web());
  }

  bool converged() const {
    return std::all_of(slots_.begin(), slots_.end(),
                       [](const Slot& s) { return alive(*s.node) == 3; });
  }
  bool all_see_web() const {
    return std::all_of(slots_.begin(), slots_.end(),
                       [](const Slot& s) { return sees_web(*s.node); });
  }

  std::array<Slot, 3>& slots() { return slots_; }

 private:
  void watch(Slot& s) {
    auto* log = s.log.get();
    s.watch = s.node->watch_members([log](const MemberEvent& e) { log->add(e); });
  }

  KeyPair a_, b_;
  std::array<Slot, 3> slots_;
};

TEST(KeyRotation, RollingThreePhaseRotationStaysConnected) {
  const auto a = generate_keys();
  const auto b = generate_keys();
  Cluster cluster(a, b);
  cluster.start();
  auto& slots = cluster.slots();
  ASSERT_TRUE(wait_until([&] { return cluster.converged(); }, 15s)) << "phase 0 did not converge";
  slots[0].node->advertise(web());
  ASSERT_TRUE(wait_until([&] { return cluster.all_see_web(); }, 5s)) << "web did not spread";

  for (int phase = 1; phase <= 3; ++phase) {
    for (std::size_t i = 0; i < slots.size(); ++i) {
      SCOPED_TRACE("phase " + std::to_string(phase) + ", replacing " + slots[i].name);
      for (auto& s : slots)
        s.log->clear();
      cluster.replace(i, phase);
      // Survivors keep seeing web the whole time, unless its owner is the
      // node being replaced (its new incarnation advertises it again).
      bool survivors_lost_web = false;
      const auto check_survivors = [&] {
        if (i == 0) return;
        for (std::size_t j = 0; j < slots.size(); ++j)
          if (j != i && !sees_web(*slots[j].node)) survivors_lost_web = true;
      };
      const auto start = std::chrono::steady_clock::now();
      // Every survivor saw the old incarnation go and the new one come (so
      // "3 alive" is not a stale view), and everyone sees web.
      const auto rejoined = [&] {
        for (std::size_t j = 0; j < slots.size(); ++j)
          if (j != i && !slots[j].log->saw_rejoin(slots[i].name)) return false;
        return true;
      };
      ASSERT_TRUE(
          wait_until([&] { return rejoined() && cluster.converged() && cluster.all_see_web(); },
                     15s, check_survivors))
          << "did not re-converge with web visible everywhere";
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      std::printf("[ rotation ] phase %d %s: re-converged in %lld ms\n", phase,
                  slots[i].name.c_str(), static_cast<long long>(took.count()));
      EXPECT_FALSE(survivors_lost_web) << "a survivor lost sight of web";
      // Only the replaced node may have gone away: nobody lost a survivor.
      for (std::size_t j = 0; j < slots.size(); ++j) {
        if (j == i) continue;
        const auto losses = slots[j].log->losses(slots[i].name);
        EXPECT_TRUE(losses.empty()) << slots[j].name << " saw: " << losses.front();
      }
    }
  }

  // Phase 3 everywhere: all on B, converged. A node still on A only is refused.
  ASSERT_TRUE(cluster.converged());
  auto stale_config = phase_config(0, a, b);
  stale_config.name = "stale";
  stale_config.bind = "tcp://127.0.0.1:0";
  for (const auto& s : slots)
    stale_config.seeds.push_back(s.bind);
  Node stale(stale_config);
  const bool stale_got_in = wait_until(
      [&] {
        return alive(stale) > 1 || std::any_of(slots.begin(), slots.end(), [](const Slot& s) {
                 return knows(*s.node, "stale");
               });
      },
      3s);
  EXPECT_FALSE(stale_got_in) << "a node with only the old key joined";
  EXPECT_FALSE(sees_web(stale));
  EXPECT_TRUE(cluster.converged());
  hearsay::testing::stop_abruptly(stale);
}

TEST(KeyRotation, ExtraClusterKeysAreValidated) {
  const auto a = generate_keys();
  const auto b = generate_keys();
  const auto field_of = [](const Config& c) -> std::string {
    try {
      c.validate();
    } catch (const ConfigError& e) {
      return e.field();
    }
    return "";
  };
  auto c = Config::local();
  c.name = "n";
  c.bind = "tcp://127.0.0.1:0";
  c.extra_cluster_keys = {b};
  EXPECT_EQ(field_of(c), "extra_cluster_keys");  // needs cluster_key
  c.cluster_key = a;
  EXPECT_EQ(field_of(c), "");
  c.extra_cluster_keys = {KeyPair{b.public_key, "short"}};
  EXPECT_EQ(field_of(c), "extra_cluster_keys");
  c.extra_cluster_keys = {a};
  EXPECT_EQ(field_of(c), "extra_cluster_keys");  // repeats cluster_key
}

}  // namespace
}  // namespace hearsay
