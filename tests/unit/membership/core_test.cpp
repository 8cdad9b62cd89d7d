// The protocol core driven by hand: two to four cores, a loop that carries
// their messages instantly to the core whose endpoint matches, and a virtual
// clock that jumps to the earliest deadline. No simulator, no latency, no loss
// unless a test cuts a node off.
#include "membership/core.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "hearsay/errors.hpp"
#include "membership/wire/codec.hpp"

namespace hearsay::membership {
namespace {

using namespace std::chrono_literals;
using membership::wire::Bytes;
using membership::wire::DropReason;
using membership::wire::MemberRecord;
using membership::wire::MessageType;

const TimePoint kT0 = TimePoint{} + 1h;

std::string endpoint_of(const std::string& name) {
  return "sim://" + name;
}

struct Delivery {
  TimePoint at;
  std::string from;
  std::string to;  // endpoint
  Bytes bytes;
  bool delivered = false;
};

class Net {
 public:
  explicit Net(ProtocolParams params = ProtocolParams::lan()) : params_(std::move(params)) {}

  Core& add(const std::string& name, std::uint64_t seed) {
    cores_.push_back(
        std::make_unique<Core>(params_, Identity{name, endpoint_of(name), 1}, seed, now_));
    return *cores_.back();
  }

  Core& operator[](std::string_view name) {
    for (auto& c : cores_)
      if (c->name() == name) return *c;
    ADD_FAILURE() << "no core " << name;
    std::abort();
  }

  TimePoint now() const { return now_; }

  // A crashed core is never ticked again; nothing reaches it.
  void crash(const std::string& name) { crashed_.insert(name); }
  // A cut core keeps running, but every message to or from it is lost.
  void cut(const std::string& name) { cut_.insert(name); }
  void heal(const std::string& name) { cut_.erase(name); }

  // Bytes from outside (a hand-made message) to one core, then the fallout.
  void inject(std::string_view to, const Bytes& bytes) {
    (*this)[to].on_message(now_, bytes);
    deliver();
  }

  // Carries every pending message, and the replies they cause, at `now`.
  void deliver() {
    std::deque<std::pair<std::string, Outgoing>> queue;
    auto collect = [&](Core& c) {
      for (auto& o : c.take_outgoing())
        queue.emplace_back(c.name(), std::move(o));
    };
    for (auto& c : cores_)
      collect(*c);
    std::size_t carried = 0;
    while (!queue.empty()) {
      auto [from, out] = std::move(queue.front());
      queue.pop_front();
      if (++carried > 100000) {
        ADD_FAILURE() << "message storm at one instant";
        return;
      }
      Core* target = nullptr;
      for (auto& c : cores_)
        if (c->endpoint() == out.endpoint) target = c.get();
      const bool lost = !target || crashed_.count(target->name()) || cut_.count(from) ||
                        cut_.count(target->name());
      log_.push_back({now_, from, out.endpoint, out.bytes, !lost});
      if (lost) continue;
      target->on_message(now_, out.bytes);
      collect(*target);
    }
    for (auto& c : cores_)
      for (auto& e : c->take_events())
        events_[c->name()].push_back(std::move(e));
  }

  // Advances to the earliest deadline (if not past `limit`) and ticks the
  // cores that are due. False when nothing is due by `limit`.
  bool step(TimePoint limit) {
    deliver();
    TimePoint t = kNever;
    for (auto& c : cores_)
      if (!crashed_.count(c->name())) t = std::min(t, c->next_deadline());
    if (t > limit) return false;
    t = std::max(t, now_);
    if (t == now_) {
      if (++steps_at_same_time_ > 1000) {
        ADD_FAILURE() << "a core keeps asking for a tick at the same instant";
        return false;
      }
    } else {
      steps_at_same_time_ = 0;
    }
    now_ = t;
    for (auto& c : cores_)
      if (!crashed_.count(c->name()) && c->next_deadline() <= now_) c->on_tick(now_);
    deliver();
    return true;
  }

  void run_for(Duration d) {
    const auto end = now_ + d;
    while (step(end)) {
    }
    now_ = std::max(now_, end);
  }

  // Runs until done() holds; false if `max` passes first.
  bool run_until(const std::function<bool()>& done, Duration max) {
    const auto end = now_ + max;
    while (!done()) {
      if (!step(end)) {
        now_ = std::max(now_, end);
        return done();
      }
    }
    return true;
  }

  const std::vector<Delivery>& log() const { return log_; }
  const std::vector<MemberEvent>& events(const std::string& name) { return events_[name]; }

 private:
  ProtocolParams params_;
  TimePoint now_ = kT0;
  std::vector<std::unique_ptr<Core>> cores_;
  std::set<std::string, std::less<>> crashed_;
  std::set<std::string, std::less<>> cut_;
  std::vector<Delivery> log_;
  std::map<std::string, std::vector<MemberEvent>> events_;
  int steps_at_same_time_ = 0;
};

// --- helpers -----------------------------------------------------------------

Service service(const std::string& name, const std::string& id) {
  Service s;
  s.name = name;
  s.id = id;
  s.endpoint = "tcp://10.0.0.1:8080";
  s.tags = {"v2"};
  s.meta = {{"zone", "a"}};
  return s;
}

std::optional<MemberState> state_of(const Core& observer, const std::string& subject) {
  const auto* m = observer.members().find(subject);
  if (!m) return std::nullopt;
  return m->state;
}

// Every named core sees exactly these members, all alive, with equal digests.
bool converged(Net& net, const std::vector<std::string>& names) {
  const auto digest = net[names.front()].digest();
  for (const auto& n : names) {
    const auto& c = net[n];
    if (c.members().count(MemberState::alive) != names.size()) return false;
    if (c.members().live_count() != names.size()) return false;
    if (c.digest() != digest) return false;
    for (const auto& other : names)
      if (state_of(c, other) != MemberState::alive) return false;
  }
  return true;
}

// Starts the named cores at kT0; the first is the seed the others join through.
void start(Net& net, const std::vector<std::string>& names) {
  std::uint64_t seed = 100;
  for (const auto& n : names)
    net.add(n, seed++);
  net[names.front()].join(net.now(), {});
  for (std::size_t i = 1; i < names.size(); ++i)
    net[names[i]].join(net.now(), {endpoint_of(names.front())});
}

void start_converged(Net& net, const std::vector<std::string>& names) {
  start(net, names);
  ASSERT_TRUE(net.run_until([&] { return converged(net, names); }, 10s));
}

bool has_event(Net& net, const std::string& observer, MemberEventType type,
               const std::string& subject) {
  for (const auto& e : net.events(observer))
    if (e.type == type && e.name == subject) return true;
  return false;
}

// A message as if `sender` (a current member, so nothing else is triggered)
// sent it, carrying `news`.
Bytes message_from(Core& sender, membership::wire::Body body, std::vector<MemberRecord> news,
                   std::uint32_t seq = 7, const std::string& cluster = "default") {
  membership::wire::Message m;
  m.header.cluster_id = cluster;
  m.header.type = membership::wire::type_of(body);
  m.header.seq = seq;
  m.header.sender = sender.name();
  m.header.sender_endpoint = sender.endpoint();
  m.header.sender_incarnation = sender.incarnation();
  m.header.digest = sender.digest();
  m.body = std::move(body);
  m.news = std::move(news);
  return membership::wire::encode(m);
}

// What `holder` knows of `subject`, as news in state `state`.
MemberRecord record_about(const Core& holder, const std::string& subject, MemberState state,
                          const std::string& from) {
  const auto* m = holder.members().find(subject);
  return MemberRecord{m->name, m->endpoint, m->incarnation, state, from, m->services_version, {}};
}

// A comparable picture of a core's member table.
using TableView = std::vector<
    std::tuple<std::string, std::string, MemberState, Incarnation, Incarnation, std::size_t>>;
TableView table_view(const Core& c) {
  TableView out;
  for (const auto& [name, m] : c.members().all())
    out.emplace_back(name, m.endpoint, m.state, m.incarnation, m.services_version,
                     m.services.size());
  return out;
}

std::uint64_t total_dropped(const Core& c) {
  std::uint64_t n = 0;
  for (auto d : c.stats().dropped)
    n += d;
  return n;
}

std::uint64_t dropped(const Core& c, DropReason r) {
  return c.stats().dropped[static_cast<std::size_t>(r)];
}

// --- joining -----------------------------------------------------------------

TEST(Core, StartsAloneAndAlive) {
  Net net;
  auto& a = net.add("a", 1);
  EXPECT_EQ(a.members().size(), 1u);
  EXPECT_EQ(state_of(a, "a"), MemberState::alive);
  EXPECT_EQ(a.incarnation(), (Incarnation{1, 0}));
  EXPECT_FALSE(a.joined());
  a.join(net.now(), {});
  EXPECT_TRUE(a.joined()) << "the first node joins nobody";
  EXPECT_GT(a.next_deadline(), net.now());
  EXPECT_NE(a.next_deadline(), kNever);
}

TEST(Core, JoinThroughASeedConvergesBothTables) {
  Net net;
  start(net, {"a", "b"});
  ASSERT_TRUE(net.run_until([&] { return converged(net, {"a", "b"}); }, 10s));
  EXPECT_TRUE(net["a"].joined());
  EXPECT_TRUE(net["b"].joined());
  EXPECT_EQ(net["a"].members().count(MemberState::alive), 2u);
  EXPECT_EQ(net["b"].members().count(MemberState::alive), 2u);
  EXPECT_EQ(net["a"].digest(), net["b"].digest());
  EXPECT_NE(net["a"].digest(), 0u);
  EXPECT_TRUE(has_event(net, "a", MemberEventType::join, "b"));
  EXPECT_TRUE(has_event(net, "b", MemberEventType::join, "a"));
  EXPECT_EQ(net["a"].members().find("b")->endpoint, "sim://b");
  // And it stays that way: probes succeed, nobody is suspected.
  net.run_for(30s);
  EXPECT_TRUE(converged(net, {"a", "b"}));
  EXPECT_EQ(net["a"].stats().suspicions + net["b"].stats().suspicions, 0u);
  EXPECT_GT(net["a"].stats().probes, 20u);
  EXPECT_EQ(net["a"].stats().probes_failed, 0u);
}

TEST(Core, ThirdNodeLearnsOfTheSecondThroughTheSeed) {
  Net net;
  start(net, {"a", "b", "c"});
  ASSERT_TRUE(net.run_until([&] { return converged(net, {"a", "b", "c"}); }, 10s));
  EXPECT_TRUE(has_event(net, "b", MemberEventType::join, "c"));
  EXPECT_TRUE(has_event(net, "c", MemberEventType::join, "b"));
}

TEST(Core, JoinRetriesUntilTheSeedAnswers) {
  Net net;
  start(net, {"a", "b"});
  net.cut("a");
  net.run_for(10s);
  EXPECT_FALSE(net["b"].joined());
  EXPECT_EQ(net["b"].members().size(), 1u);
  const auto attempts = net["b"].stats().syncs;
  EXPECT_GE(attempts, 9u) << "retried about every second (0.75-1.25 s apart)";
  EXPECT_LE(attempts, 14u) << "retried about every second (0.75-1.25 s apart)";
  net.heal("a");
  EXPECT_TRUE(net.run_until([&] { return converged(net, {"a", "b"}); }, 20s));
}

// --- the coordinator ---------------------------------------------------------

// next_deadline() is the earliest of the parts' deadlines: a part that must
// act now is ticked now, whatever the others wait for.
TEST(Core, NextDeadlineIsTheEarliestOfTheParts) {
  Net net;
  start_converged(net, {"a", "b"});
  auto& a = net["a"];
  auto& b = net["b"];
  ASSERT_GT(a.next_deadline(), net.now());
  ASSERT_GT(b.next_deadline(), net.now());
  // The probe cycle's: a refused connection probes at once.
  a.on_connection_refused(net.now(), "sim://b");
  EXPECT_EQ(a.next_deadline(), net.now());
  a.on_tick(net.now());
  const auto out = a.take_outgoing();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].endpoint, "sim://b");
  EXPECT_EQ(membership::wire::decode(out[0].bytes, "default").message.header.type,
            MessageType::ping);
  // Dissemination's: a leaving node says goodbye at once.
  b.leave(net.now());
  EXPECT_EQ(b.next_deadline(), net.now());
}

// --- services ----------------------------------------------------------------

TEST(Core, AdvertiseWithdrawAndHealthReachTheOtherRegistry) {
  Net net;
  start_converged(net, {"a", "b"});
  auto& a = net["a"];
  auto& b = net["b"];
  const auto inc_before = a.incarnation();
  const auto svc = service("payments", "p1");

  a.advertise(net.now(), svc);
  EXPECT_GT(a.incarnation(), inc_before) << "a changed record is news with a new incarnation";
  EXPECT_EQ(a.registry().lookup("payments").size(), 1u) << "own services are in the registry";
  ASSERT_TRUE(net.run_until([&] { return b.registry().lookup("payments").size() == 1; }, 2s));
  const auto found = b.registry().lookup("payments");
  EXPECT_EQ(found[0].member, "a");
  EXPECT_EQ(found[0].service, svc);
  EXPECT_TRUE(has_event(net, "b", MemberEventType::updated, "a"));
  EXPECT_TRUE(net.run_until([&] { return a.digest() == b.digest(); }, 2s));

  // Health: critical instances are held but not returned by default.
  EXPECT_TRUE(a.set_health(net.now(), "p1", Health::critical));
  ASSERT_TRUE(net.run_until([&] { return b.registry().lookup("payments").empty(); }, 2s));
  Query all;
  all.worst_health = Health::critical;
  const auto critical = b.registry().lookup("payments", all);
  ASSERT_EQ(critical.size(), 1u);
  EXPECT_EQ(critical[0].service.health, Health::critical);
  EXPECT_TRUE(a.set_health(net.now(), "p1", Health::passing));
  ASSERT_TRUE(net.run_until([&] { return b.registry().lookup("payments").size() == 1; }, 2s));
  EXPECT_FALSE(a.set_health(net.now(), "nope", Health::critical));

  // Withdraw.
  EXPECT_FALSE(a.withdraw(net.now(), "nope"));
  EXPECT_TRUE(a.withdraw(net.now(), "p1"));
  EXPECT_TRUE(a.registry().lookup("payments").empty());
  ASSERT_TRUE(net.run_until([&] { return b.registry().lookup("payments", all).empty(); }, 2s));
  EXPECT_EQ(b.registry().instance_count(), 0u);
  EXPECT_TRUE(net.run_until([&] { return a.digest() == b.digest(); }, 2s));
}

TEST(Core, AdvertiseReplacesById) {
  Net net;
  auto& a = net.add("a", 1);
  a.advertise(net.now(), service("payments", "p1"));
  const auto inc = a.incarnation();
  a.advertise(net.now(), service("payments", "p1"));
  EXPECT_EQ(a.incarnation(), inc) << "the same record again is no change";
  auto moved = service("payments", "p1");
  moved.endpoint = "tcp://10.0.0.2:9090";
  a.advertise(net.now(), moved);
  EXPECT_GT(a.incarnation(), inc);
  const auto found = a.registry().lookup("payments");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].service.endpoint, "tcp://10.0.0.2:9090");
}

// A service whose encoded size is exactly `bytes`.
Service service_of_size(const std::string& id, std::size_t bytes) {
  Service s = service("payments", id);
  s.meta = {{"pad", ""}};
  const auto base = membership::wire::encoded_size(s);
  s.meta["pad"] = std::string(bytes - base, 'x');
  // The str header grows past 31 bytes; trim until it fits exactly.
  while (membership::wire::encoded_size(s) > bytes)
    s.meta["pad"].pop_back();
  return s;
}

struct AdvertiseCase {
  const char* what;
  std::function<void(ProtocolParams&)> tune;
  std::vector<Service> before;  // advertised first, must succeed
  Service bad;
  std::string field;
};

TEST(Core, AdvertiseRejectsBadRecordsNamingTheField) {
  Service no_id = service("payments", "");
  Service no_name = service("", "p1");
  Service long_name = service(std::string(256, 'n'), "p1");
  Service long_id = service("payments", std::string(256, 'i'));
  const std::vector<AdvertiseCase> cases = {
      {"empty id", [](ProtocolParams&) {}, {}, no_id, "service.id"},
      {"empty name", [](ProtocolParams&) {}, {}, no_name, "service.name"},
      {"name over 255 bytes", [](ProtocolParams&) {}, {}, long_name, "service.name"},
      {"id over 255 bytes", [](ProtocolParams&) {}, {}, long_id, "service.id"},
      {"record over max_service_record_bytes",
       [](ProtocolParams& c) { c.max_service_record_bytes = 128; },
       {},
       service_of_size("big", 129),
       "service"},
      {"set over max_services_bytes",
       [](ProtocolParams& c) {
         c.max_service_record_bytes = 128;
         c.max_services_bytes = 300;
       },
       {service_of_size("s1", 120), service_of_size("s2", 120)},
       service_of_size("s3", 120),
       "services"},
      {"replacement growing the set over max_services_bytes",
       [](ProtocolParams& c) {
         c.max_service_record_bytes = 256;
         c.max_services_bytes = 300;
       },
       {service_of_size("s1", 120), service_of_size("s2", 120)},
       service_of_size("s2", 200),
       "services"},
      {"more than max_services records",
       [](ProtocolParams& c) { c.max_services = 2; },
       {service("payments", "s1"), service("payments", "s2")},
       service("payments", "s3"),
       "services"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto config = ProtocolParams::lan();
    c.tune(config);
    Net net(config);
    auto& a = net.add("a", 1);
    for (const auto& s : c.before)
      ASSERT_NO_THROW(a.advertise(net.now(), s));
    const auto inc = a.incarnation();
    const auto table = table_view(a);
    const auto pending = a.broadcasts_pending();
    const auto registry_version = a.registry().version();
    try {
      a.advertise(net.now(), c.bad);
      ADD_FAILURE() << "no ConfigError";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.field(), c.field) << e.what();
      EXPECT_FALSE(e.reason().empty());
    }
    // Nothing changed.
    EXPECT_EQ(a.incarnation(), inc);
    EXPECT_EQ(table_view(a), table);
    EXPECT_EQ(a.members().find("a")->services.size(), c.before.size());
    EXPECT_EQ(a.broadcasts_pending(), pending);
    EXPECT_EQ(a.registry().version(), registry_version);
  }
}

TEST(Core, AdvertiseAcceptsRecordsAtTheLimits) {
  auto config = ProtocolParams::lan();
  config.max_service_record_bytes = 128;
  config.max_services_bytes = 300;
  Net net(config);
  auto& a = net.add("a", 1);
  const auto s = service_of_size("exact", 128);
  ASSERT_EQ(membership::wire::encoded_size(s), 128u);
  EXPECT_NO_THROW(a.advertise(net.now(), s));
  EXPECT_NO_THROW(a.advertise(net.now(), service_of_size("small", 100)));
  EXPECT_EQ(a.registry().lookup("payments").size(), 2u);
}

TEST(Core, ConstructorRejectsBadIdentityAndConfig) {
  auto bad = ProtocolParams::lan();
  bad.probe_timeout = 2s;  // not shorter than probe_interval
  try {
    Core c(bad, Identity{"a", "sim://a", 1}, 1, kT0);
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "probe_timeout");
  }
  try {
    Core c(ProtocolParams::lan(), Identity{"", "sim://a", 1}, 1, kT0);
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "name");
  }
  try {
    Core c(ProtocolParams::lan(), Identity{"a", "", 1}, 1, kT0);
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "advertise");
  }
}

// --- failure detection ---------------------------------------------------------

TEST(Core, SilentMemberIsSuspectedThenDeclaredDead) {
  Net net;
  start_converged(net, {"a", "b", "c"});
  net["c"].advertise(net.now(), service("payments", "c1"));
  ASSERT_TRUE(net.run_until(
      [&] {
        return net["a"].registry().lookup("payments").size() == 1 &&
               net["b"].registry().lookup("payments").size() == 1;
      },
      2s));

  const auto crashed_at = net.now();
  net.crash("c");
  auto suspected = [&] {
    return state_of(net["a"], "c") == MemberState::suspect ||
           state_of(net["b"], "c") == MemberState::suspect;
  };
  auto dead = [&] {
    return state_of(net["a"], "c") == MemberState::dead ||
           state_of(net["b"], "c") == MemberState::dead;
  };
  ASSERT_TRUE(net.run_until(suspected, 10s));
  const auto suspected_at = net.now();
  // Every member is probed within two passes of the probe list.
  EXPECT_LE(suspected_at - crashed_at, 5s);
  // A suspect's services are still offered by default, but not to the careful.
  const auto& observer = state_of(net["a"], "c") == MemberState::suspect ? net["a"] : net["b"];
  EXPECT_EQ(observer.registry().lookup("payments").size(), 1u);
  Query careful;
  careful.include_suspect = false;
  EXPECT_TRUE(observer.registry().lookup("payments", careful).empty());

  ASSERT_TRUE(net.run_until(dead, 60s));
  const auto dead_at = net.now();
  // Three live members: k = max(0, suspicion_mult - 2) = 2 confirmations
  // would need 2 other accusers, which 3 - 2 = 1 cannot give, so k = 0 and
  // the Lifeguard timeout is its floor: 4 * max(1, log10 3 = 0.477) * 1 s = 4 s.
  EXPECT_EQ(dead_at - suspected_at, 4s);

  ASSERT_TRUE(net.run_until(
      [&] {
        return state_of(net["a"], "c") == MemberState::dead &&
               state_of(net["b"], "c") == MemberState::dead;
      },
      5s));
  for (const auto* n : {"a", "b"}) {
    SCOPED_TRACE(n);
    auto& core = net[n];
    EXPECT_GE(core.stats().suspicions, 1u);
    EXPECT_TRUE(has_event(net, n, MemberEventType::suspect, "c"));
    EXPECT_TRUE(has_event(net, n, MemberEventType::dead, "c"));
    EXPECT_TRUE(core.registry().lookup("payments").empty()) << "dead members offer nothing";
    EXPECT_EQ(core.members().live_count(), 2u);
    EXPECT_EQ(state_of(core, n == std::string("a") ? "b" : "a"), MemberState::alive);
  }
  EXPECT_GE(net["a"].stats().deaths_declared + net["b"].stats().deaths_declared, 1u);
  EXPECT_GE(net["a"].stats().probes_failed + net["b"].stats().probes_failed, 1u);
  // The survivors agree again: tombstones are not part of the digest.
  EXPECT_EQ(net["a"].digest(), net["b"].digest());
}

TEST(Core, ConfirmationsShortenTheSuspicion) {
  // Four members: k = suspicion_mult - 2 = 2 confirmations expected, so the
  // first accuser starts at the maximum and independent accusers bring the
  // deadline down towards the floor. By hand:
  //   min = 4 * max(1, log10 4 = 0.602) * 1 s = 4 s;  max = 6 * min = 24 s
  //   after one confirmation:  24 - 20 * ln 2 / ln 3 = 24 - 12.619 = 11.381 s
  //   after both:              24 - 20 * ln 3 / ln 3 = 4 s
  Net net;
  start_converged(net, {"a", "b", "c", "d"});
  net.crash("d");
  const std::vector<std::string> survivors = {"a", "b", "c"};
  auto any_in = [&](MemberState s) {
    return std::any_of(survivors.begin(), survivors.end(),
                       [&](const std::string& n) { return state_of(net[n], "d") == s; });
  };
  ASSERT_TRUE(net.run_until([&] { return any_in(MemberState::suspect); }, 10s));
  const auto suspected_at = net.now();
  ASSERT_TRUE(net.run_until([&] { return any_in(MemberState::dead); }, 60s));
  const auto took = net.now() - suspected_at;
  EXPECT_GE(took, 4s) << "never below the floor";
  // The first accuser's deadline is at most its one-confirmation timeout,
  // and the first death comes no later than that.
  EXPECT_LE(took, 11381404928ns) << "confirmations from the other two survivors must shorten it";
  ASSERT_TRUE(net.run_until(
      [&] {
        return std::all_of(survivors.begin(), survivors.end(), [&](const std::string& n) {
          return state_of(net[n], "d") == MemberState::dead;
        });
      },
      5s));
  std::uint64_t suspicions = 0;
  for (const auto& n : survivors)
    suspicions += net[n].stats().suspicions;
  EXPECT_GE(suspicions, 3u) << "every survivor held d suspect";
}

TEST(Core, SuspectedCoreRefutes) {
  Net net;
  start_converged(net, {"a", "b"});
  auto& a = net["a"];
  auto& b = net["b"];
  const auto before = b.incarnation();
  // a tells b that b is suspected (as if a's probe had failed).
  net.inject("b", message_from(a, membership::wire::Gossip{},
                               {record_about(a, "b", MemberState::suspect, "a")}));
  EXPECT_GT(b.incarnation(), before);
  EXPECT_EQ(b.incarnation(), before.refuting(before));
  EXPECT_EQ(b.stats().refutations, 1u);
  EXPECT_EQ(b.awareness(), 1) << "being suspected hints we are the slow one";
  EXPECT_EQ(state_of(b, "b"), MemberState::alive);
  // The refutation reaches a, which holds b alive at the new incarnation.
  ASSERT_TRUE(
      net.run_until([&] { return a.members().find("b")->incarnation == b.incarnation(); }, 2s));
  EXPECT_EQ(state_of(a, "b"), MemberState::alive);
  // A stale accusation (older incarnation) is ignored.
  const auto now_inc = b.incarnation();
  MemberRecord stale = record_about(a, "b", MemberState::suspect, "a");
  stale.incarnation = before;
  net.inject("b", message_from(a, membership::wire::Gossip{}, {stale}));
  EXPECT_EQ(b.incarnation(), now_inc);
  EXPECT_EQ(b.stats().refutations, 1u);
}

TEST(Core, SuspicionHeardFromAThirdPartyIsRefutedInTime) {
  Net net;
  start_converged(net, {"a", "b"});
  auto& a = net["a"];
  auto& b = net["b"];
  const auto before = b.incarnation();
  // A stranger tells a that b is suspect; a starts its own timer on b.
  membership::wire::Message m;
  m.header = {"default", MessageType::gossip, 1, "x", "sim://x", {1, 0}, 0};
  m.body = membership::wire::Gossip{};
  m.news = {record_about(a, "b", MemberState::suspect, "x")};
  net.inject("a", membership::wire::encode(m));
  EXPECT_EQ(state_of(a, "b"), MemberState::suspect);
  EXPECT_EQ(a.stats().suspicions, 1u);
  EXPECT_TRUE(has_event(net, "a", MemberEventType::suspect, "b"));
  // b is running: it hears of it (gossip, or the buddy record on a's next
  // ping) and refutes before any timeout.
  ASSERT_TRUE(net.run_until([&] { return state_of(a, "b") == MemberState::alive; }, 3s));
  EXPECT_GT(b.incarnation(), before);
  EXPECT_GE(b.stats().refutations, 1u);
  EXPECT_EQ(a.members().find("b")->incarnation, b.incarnation());
  EXPECT_TRUE(has_event(net, "a", MemberEventType::alive, "b"));
  net.run_for(30s);
  EXPECT_EQ(state_of(a, "b"), MemberState::alive);
  EXPECT_EQ(a.stats().deaths_declared, 0u);
  EXPECT_FALSE(has_event(net, "a", MemberEventType::dead, "b"));
  EXPECT_EQ(a.digest(), b.digest());
}

TEST(Core, PartitionedPairHealsAfterBothDeclaredDead) {
  Net net;
  start_converged(net, {"a", "b"});
  auto& a = net["a"];
  auto& b = net["b"];
  net.cut("b");
  ASSERT_TRUE(net.run_until(
      [&] {
        return state_of(a, "b") == MemberState::dead && state_of(b, "a") == MemberState::dead;
      },
      30s));
  net.heal("b");
  // Re-merge: each retries a dead member every reconnect_interval (plus jitter);
  // the one told it is dead refutes.
  ASSERT_TRUE(net.run_until([&] { return converged(net, {"a", "b"}); }, 120s));
  EXPECT_GE(a.stats().refutations + b.stats().refutations, 1u);
  EXPECT_TRUE(has_event(net, "a", MemberEventType::join, "b") ||
              has_event(net, "b", MemberEventType::join, "a"));
}

// Lifeguard raises a prober's awareness only for nacks that do not come. A
// helper nacks at 80% of the probe timeout (ProbeCycle's tests check each
// side's timing); here, across real cores, the nack is back before the
// prober's period ends, so a healthy prober of a crashed member keeps its
// probe interval (with the memberlist timing, a nack at the full timeout
// arrives as the period ends and is counted missing).
TEST(Core, ProberWithAnsweringHelperKeepsItsAwareness) {
  Net net;
  start_converged(net, {"a", "b", "c"});
  net.crash("c");
  ASSERT_TRUE(net.run_until(
      [&] { return net["a"].stats().probes_failed + net["b"].stats().probes_failed > 0; }, 10s));
  auto& prober = net["a"].stats().probes_failed > 0 ? net["a"] : net["b"];
  ASSERT_EQ(prober.stats().indirect_probes, 3u)
      << "the one other member was asked in the period and in both rechecks";
  ASSERT_EQ(prober.stats().probe_rechecks, 2u);
  // The next probe started in the same tick as the failure; the one after it
  // starts awareness.scale(probe_interval) later.
  const auto failed_at = net.now();
  const auto probes = prober.stats().probes;
  ASSERT_TRUE(net.run_until([&] { return prober.stats().probes > probes; }, 5s));
  EXPECT_EQ(net.now() - failed_at, 1s) << "probe period stretched: the helper's nack was missed";
}

// --- leaving -----------------------------------------------------------------

TEST(Core, GracefulLeaveIsSeenAsLeft) {
  Net net;
  start_converged(net, {"a", "b"});
  auto& a = net["a"];
  auto& b = net["b"];
  b.advertise(net.now(), service("payments", "b1"));
  ASSERT_TRUE(net.run_until([&] { return a.registry().lookup("payments").size() == 1; }, 2s));
  b.leave(net.now());
  EXPECT_TRUE(b.left());
  EXPECT_EQ(state_of(b, "b"), MemberState::left);
  ASSERT_TRUE(net.run_until([&] { return state_of(a, "b") == MemberState::left; }, 2s));
  EXPECT_TRUE(has_event(net, "a", MemberEventType::left, "b"));
  EXPECT_FALSE(has_event(net, "a", MemberEventType::dead, "b"));
  EXPECT_TRUE(a.registry().lookup("payments").empty());
  EXPECT_EQ(a.members().live_count(), 1u);
  ASSERT_TRUE(net.run_until([&] { return b.broadcasts_pending() == 0; }, 10s))
      << "the goodbye drains";
  // a does not probe or suspect a member that left.
  net.run_for(30s);
  EXPECT_EQ(state_of(a, "b"), MemberState::left);
  EXPECT_EQ(a.stats().suspicions, 0u);
}

// --- untrusted input -------------------------------------------------------------

struct BadInput {
  const char* what;
  Bytes bytes;
  DropReason reason;  // none: whatever the codec says (it must be a drop)
};

TEST(Core, MalformedMessagesAreCountedAndChangeNothing) {
  Net net;
  start_converged(net, {"a", "b"});
  auto& a = net["a"];
  auto& b = net["b"];
  b.advertise(net.now(), service("payments", "b1"));
  ASSERT_TRUE(net.run_until([&] { return a.registry().lookup("payments").size() == 1; }, 2s));
  net.run_for(1s);
  ASSERT_EQ(a.take_outgoing().size(), 0u);

  // A valid message about a stranger, for the foreign-cluster and truncated cases.
  MemberRecord evil{"evil", "sim://evil", {9, 9}, MemberState::alive, "", {9, 9}, {}};
  const Bytes valid = message_from(b, membership::wire::Gossip{}, {evil});
  Bytes truncated(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(valid.size() / 2));

  std::vector<BadInput> inputs = {
      {"empty", {}, DropReason::none},
      {"a never-used msgpack byte", {0xc1}, DropReason::malformed},
      {"an array that is not a message", {0x93, 0x01, 0x02, 0x03}, DropReason::bad_magic},
      {"truncated", truncated, DropReason::truncated},
      {"foreign cluster", message_from(b, membership::wire::Gossip{}, {evil}, 7, "other"),
       DropReason::foreign_cluster},
  };
  Rng rng(4242);
  for (std::size_t len : {1u, 7u, 64u, 500u, 3000u}) {
    Bytes random(len);
    for (auto& x : random)
      x = static_cast<std::uint8_t>(rng.next());
    inputs.push_back({"random bytes", std::move(random), DropReason::none});
  }

  const auto table = table_view(a);
  const auto digest = a.digest();
  const auto inc = a.incarnation();
  const auto registry_version = a.registry().version();
  const auto messages_in = a.stats().messages_in;
  for (const auto& in : inputs) {
    SCOPED_TRACE(std::string(in.what) + ", " + std::to_string(in.bytes.size()) + " bytes");
    auto reason = membership::wire::decode(in.bytes, "default").reason;
    ASSERT_NE(reason, DropReason::none) << "the codec accepts this input";
    if (in.reason != DropReason::none) {
      EXPECT_EQ(reason, in.reason);
    }
    const auto total = total_dropped(a);
    const auto of_reason = dropped(a, reason);
    a.on_message(net.now(), in.bytes);
    EXPECT_EQ(dropped(a, reason), of_reason + 1) << to_string(reason);
    EXPECT_EQ(total_dropped(a), total + 1);
    EXPECT_TRUE(a.take_outgoing().empty());
    EXPECT_TRUE(a.take_events().empty());
    EXPECT_EQ(a.digest(), digest);
    EXPECT_EQ(table_view(a), table);
    EXPECT_EQ(a.incarnation(), inc);
    EXPECT_EQ(a.registry().version(), registry_version);
    EXPECT_EQ(a.stats().messages_in, messages_in);
  }
  EXPECT_EQ(a.members().find("evil"), nullptr);
  EXPECT_EQ(dropped(a, DropReason::foreign_cluster), 1u);
  // The same message in our cluster is accepted: the drop above was the cluster id.
  net.inject("a", valid);
  EXPECT_NE(a.members().find("evil"), nullptr);
}

TEST(Core, WellFormedButUnexpectedMessagesAreDropped) {
  Net net;
  start_converged(net, {"a", "b"});
  auto& a = net["a"];
  auto& b = net["b"];
  const auto table = table_view(a);
  // A message claiming to come from ourselves.
  net.inject("a", message_from(a, membership::wire::Gossip{}, {}));
  EXPECT_EQ(dropped(a, DropReason::unexpected), 1u);
  // A ping for someone who used to live at this endpoint: no ack.
  const auto acks = a.stats().messages_out[static_cast<std::size_t>(MessageType::ack)];
  a.on_message(net.now(), message_from(b, membership::wire::Ping{"someone-else"}, {}));
  EXPECT_EQ(dropped(a, DropReason::unexpected), 2u);
  EXPECT_TRUE(a.take_outgoing().empty());
  EXPECT_EQ(a.stats().messages_out[static_cast<std::size_t>(MessageType::ack)], acks);
  // The right ping is answered.
  a.on_message(net.now(), message_from(b, membership::wire::Ping{"a"}, {}, 31));
  const auto out = a.take_outgoing();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].endpoint, "sim://b");
  const auto ack = membership::wire::decode(out[0].bytes, "default");
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack.message.header.type, MessageType::ack);
  EXPECT_EQ(ack.message.header.seq, 31u);
  EXPECT_EQ(table_view(a), table);
}

// --- determinism -----------------------------------------------------------------

std::vector<std::tuple<TimePoint, std::string, std::string, Bytes>> transcript(
    std::uint64_t seed_base) {
  Net net;
  const std::vector<std::string> names = {"a", "b", "c"};
  for (std::size_t i = 0; i < names.size(); ++i)
    net.add(names[i], seed_base + i);
  net["a"].join(net.now(), {});
  net["b"].join(net.now(), {"sim://a"});
  net["c"].join(net.now(), {"sim://a"});
  net.run_for(3s);
  net["b"].advertise(net.now(), service("payments", "b1"));
  net.run_for(3s);
  net.crash("c");
  net.run_for(20s);
  net["a"].leave(net.now());
  net.run_for(3s);
  std::vector<std::tuple<TimePoint, std::string, std::string, Bytes>> out;
  for (const auto& d : net.log())
    out.emplace_back(d.at, d.from, d.to, d.bytes);
  return out;
}

TEST(Core, SameSeedAndInputsGiveByteIdenticalMessages) {
  const auto first = transcript(1);
  const auto second = transcript(1);
  ASSERT_GT(first.size(), 100u);
  EXPECT_EQ(first.size(), second.size());
  EXPECT_TRUE(first == second);
  // The seed matters (timer jitter, probe order), so the comparison above is
  // not vacuous.
  const auto other = transcript(2);
  EXPECT_FALSE(first == other);
}

}  // namespace
}  // namespace hearsay::membership
