// Many user threads against live nodes while the cluster churns: lookups and
// picks (every Pick mode), members(), stats(), watches, and advertise /
// set_health / withdraw on their own services. Results must always be
// well-formed; the test exists mainly to run under ThreadSanitizer
// (scripts/test.sh --tsan).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
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

Config config(const std::string& name, std::vector<std::string> seeds = {}) {
  auto c = Config::local();
  c.name = name;
  c.bind = "tcp://127.0.0.1:0";
  c.seeds = std::move(seeds);
  c.leave_timeout = 1000ms;
  return c;
}

bool sees_alive(const Node& n, const std::string& who) {
  for (const auto& m : n.members())
    if (m.name == who) return m.state == MemberState::alive;
  return false;
}

bool sees_gone(const Node& n, const std::string& who) {
  for (const auto& m : n.members())
    if (m.name == who) return m.state == MemberState::left || m.state == MemberState::dead;
  return false;
}

// The first problem a worker found; the rest only counted.
class Problems {
 public:
  void add(const std::string& what) {
    std::lock_guard lock(mu_);
    if (count_++ == 0) first_ = what;
  }
  std::size_t count() const {
    std::lock_guard lock(mu_);
    return count_;
  }
  std::string first() const {
    std::lock_guard lock(mu_);
    return first_;
  }

 private:
  mutable std::mutex mu_;
  std::size_t count_ = 0;
  std::string first_;
};

constexpr std::array kPicks = {Pick::random, Pick::round_robin, Pick::weighted,
                               Pick::p2c,    Pick::rendezvous,  Pick::nearest};
constexpr std::array<const char*, 2> kServices = {"alpha", "beta"};

void check_lookup(const Registry& r, const std::string& name, const Query& q, Problems& problems) {
  const auto list = r.lookup(name, q);
  std::set<std::pair<std::string, std::string>> keys;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& inst = list[i];
    if (inst.service.name != name) problems.add("lookup(" + name + ") gave " + inst.service.name);
    if (inst.member.empty() || inst.service.id.empty()) problems.add("empty member or id");
    if (inst.service.health > q.worst_health) problems.add("lookup ignored worst_health");
    if (!q.include_suspect && inst.member_state == MemberState::suspect)
      problems.add("lookup ignored include_suspect");
    if (inst.member_state == MemberState::dead || inst.member_state == MemberState::left)
      problems.add("instance of a dead or left member: " + inst.member);
    if (q.tag && std::find(inst.service.tags.begin(), inst.service.tags.end(), *q.tag) ==
                     inst.service.tags.end())
      problems.add("lookup ignored the tag");
    if (!keys.emplace(inst.member, inst.service.id).second)
      problems.add("duplicate instance " + inst.member + "/" + inst.service.id);
    if (i > 0 && std::pair(list[i - 1].member, list[i - 1].service.id) >=
                     std::pair(inst.member, inst.service.id))
      problems.add("lookup not ordered by member then id");
  }
  for (const auto how : kPicks) {
    const auto one = r.pick(name, how, "some-key", q);
    if (list.empty() != !one.has_value()) {
      problems.add("pick and lookup of one snapshot disagree on " + name);
      continue;
    }
    if (one && !keys.count({one->member, one->service.id}))
      problems.add("pick returned an instance lookup does not list");
  }
  const auto a = r.pick(name, Pick::rendezvous, "sticky", q);
  const auto b = r.pick(name, Pick::rendezvous, "sticky", q);
  if (a.has_value() != b.has_value() || (a && a->service.id != b->service.id))
    problems.add("rendezvous is not sticky on one snapshot");
}

void check_members(const Node& node, Problems& problems) {
  const auto ms = node.members();
  bool self = false;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    if (ms[i].name.empty() || ms[i].endpoint.empty()) problems.add("member without name");
    if (i > 0 && !(ms[i - 1].name < ms[i].name)) problems.add("members not unique by name");
    self = self || ms[i].name == node.name();
  }
  if (!self) problems.add("members() lacks the node itself: " + node.name());
}

// One user thread: works on `node`, owns the service ids "w<t>-<k>".
void worker(Node& node, int t, const std::atomic<bool>& stop, Problems& problems,
            std::atomic<std::uint64_t>& ops, std::atomic<std::uint64_t>& events) {
  std::uint64_t last_probes = 0;
  std::uint64_t last_version = 0;
  std::uint64_t round = 0;
  std::vector<std::string> mine;
  while (!stop.load()) {
    ++round;
    const auto k = round % 4;
    const std::string id = "w" + std::to_string(t) + "-" + std::to_string(k);
    Service s;
    s.name = kServices[static_cast<std::size_t>(t + static_cast<int>(k)) % kServices.size()];
    s.id = id;
    s.endpoint = "http://127.0.0.1:" + std::to_string(9000 + t);
    s.tags = {k % 2 ? "odd" : "even"};
    s.meta = {{"load", std::to_string(round % 17)}};
    s.weight = static_cast<std::uint32_t>(1 + k);
    node.advertise(s);
    if (!node.set_health(id, static_cast<Health>(round % 3)))
      problems.add("set_health refused a service just advertised");
    if (round % 3 == 0) {
      if (!node.withdraw(id)) problems.add("withdraw refused a service just advertised");
      if (node.withdraw(id)) problems.add("withdraw accepted a service twice");
    }
    for (const auto& own : node.services())
      if (own.endpoint.empty() || own.name.empty()) problems.add("malformed own service");

    const auto r = node.registry();
    if (r.version() < last_version) problems.add("a newer registry snapshot went backwards");
    last_version = r.version();
    Query q;
    check_lookup(r, "alpha", q, problems);
    q.tag = "odd";
    q.worst_health = Health::critical;
    check_lookup(r, "beta", q, problems);
    q = Query{};
    q.include_suspect = false;
    q.worst_health = Health::passing;
    check_lookup(r, "alpha", q, problems);
    for (const auto& name : r.services())
      if (name != "alpha" && name != "beta") problems.add("unknown service " + name);

    check_members(node, problems);
    const auto st = node.stats();
    if (st.probes < last_probes) problems.add("stats counter went backwards");
    last_probes = st.probes;
    (void)st.to_prometheus();

    if (round % 8 == 0) {
      // A watch registered and cancelled from this thread while the node
      // thread may be delivering to it.
      auto w = node.watch(kServices[round % 2], [&events](const ServiceEvent& e) {
        if (e.instance.service.name.empty()) return;
        ++events;
      });
      auto wm = node.watch_members([&events](const MemberEvent&) { ++events; });
      std::this_thread::sleep_for(1ms);
      w.cancel();
    }
    ++ops;
  }
}

TEST(ThreadSafety, EightThreadsReadAndAdvertiseWhileTheClusterChurns) {
  // Declared before the nodes: a watch callback may still be finishing on a
  // node thread just after its cancel() returns.
  Problems problems;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> ops{0};
  std::atomic<std::uint64_t> events{0};
  std::vector<std::unique_ptr<Node>> nodes;
  nodes.push_back(std::make_unique<Node>(config("ts-0")));
  for (int i = 1; i < 4; ++i)
    nodes.push_back(
        std::make_unique<Node>(config("ts-" + std::to_string(i), {nodes[0]->endpoint()})));
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& n : nodes)
          for (const auto& m : nodes)
            if (!sees_alive(*n, m->name())) return false;
        return true;
      },
      15s))
      << "cluster did not converge";

  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      worker(*nodes[static_cast<std::size_t>(t % 4)], t, stop, problems, ops, events);
    });

  // Churn: ts-3 leaves (its object stays, the workers keep calling it), then
  // newcomers join and leave in turn until the time is up.
  const auto end = std::chrono::steady_clock::now() + 2s;
  nodes[3]->leave();
  EXPECT_TRUE(wait_until([&] { return sees_gone(*nodes[0], "ts-3"); }, 5s));
  std::vector<std::unique_ptr<Node>> newcomers;
  for (int j = 0; std::chrono::steady_clock::now() < end || j < 2; ++j) {
    const auto name = "ts-new-" + std::to_string(j);
    newcomers.push_back(std::make_unique<Node>(config(name, {nodes[1]->endpoint()})));
    EXPECT_TRUE(wait_until([&] { return sees_alive(*nodes[0], name); }, 5s)) << name;
    if (j % 2 == 0)
      newcomers.back()->leave();
    else
      hearsay::testing::stop_abruptly(*newcomers.back());
  }
  stop = true;
  for (auto& th : threads)
    th.join();

  EXPECT_EQ(problems.count(), 0u) << "first: " << problems.first();
  EXPECT_GT(ops.load(), 8u);
  // The three nodes that stayed still agree on each other.
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      EXPECT_TRUE(wait_until([&] { return sees_alive(*nodes[i], nodes[j]->name()); }, 5s));
}

}  // namespace
}  // namespace hearsay
