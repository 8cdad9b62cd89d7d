// Whole-cluster scenarios in virtual time (DESIGN §6): convergence, service
// spread, failure detection, loss, pauses, partitions, restarts, leaves.
//
// Every scenario runs over test_seeds() (HEARSAY_SIM_SEED=N replays one seed,
// HEARSAY_SIM_SEEDS=K runs at most K) and prints the replay line on failure.
// Times asserted are virtual; nothing here depends on the wall clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "membership/limits.hpp"
#include "membership/wire/codec.hpp"
#include "tests/sim/cluster.hpp"

namespace hearsay::sim {
namespace {

using membership::Incarnation;

// --- helpers -----------------------------------------------------------------

std::string hint(std::uint64_t seed) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return replay_hint(seed);
  return replay_hint(seed, std::string(info->test_suite_name()) + "." + info->name());
}

ClusterOptions lan(std::size_t nodes, std::uint64_t seed) {
  ClusterOptions o;
  o.nodes = nodes;
  o.seed = seed;
  o.params = ProtocolParams::lan();
  o.link.latency = std::chrono::microseconds(1000);
  o.link.jitter = std::chrono::microseconds(500);
  return o;
}

double seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

std::vector<std::size_t> range(std::size_t first, std::size_t last) {
  std::vector<std::size_t> v;
  for (auto i = first; i < last; ++i)
    v.push_back(i);
  return v;
}

// A one-paragraph picture of the cluster, printed when a wait times out.
std::string describe(Cluster& c, std::size_t expected) {
  std::size_t running = 0;
  std::size_t at_expected = 0;
  std::size_t min_live = SIZE_MAX;
  std::size_t max_live = 0;
  std::size_t with_suspects = 0;
  std::size_t with_dead = 0;
  std::map<std::uint64_t, std::size_t> digests;
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (!c.running(i)) continue;
    ++running;
    const auto& m = c.core(i).members();
    min_live = std::min(min_live, m.live_count());
    max_live = std::max(max_live, m.live_count());
    if (m.live_count() == expected && m.count(MemberState::alive) == expected) ++at_expected;
    if (m.count(MemberState::suspect) > 0) ++with_suspects;
    if (m.count(MemberState::dead) > 0) ++with_dead;
    ++digests[c.core(i).digest()];
  }
  std::ostringstream out;
  out << "at t=" << seconds(c.elapsed()) << "s: " << running << " running, " << at_expected
      << " see " << expected << " alive; live counts " << min_live << ".." << max_live << "; "
      << with_suspects << " hold suspects, " << with_dead << " hold dead; " << digests.size()
      << " distinct digests";
  return out.str();
}

std::optional<Duration> converge(Cluster& c, std::size_t n, Duration limit) {
  return c.run_until([&] { return c.converged(n); }, limit);
}

// Does every node of `observers` hold every node of `subjects` in `state`?
// Stops at the first pair that does not (cheap enough to poll every 5 ms).
bool every_pair_in_state(const Cluster& c, const std::vector<std::size_t>& observers,
                         const std::vector<std::size_t>& subjects, MemberState state) {
  return std::all_of(observers.begin(), observers.end(), [&](std::size_t o) {
    return std::all_of(subjects.begin(), subjects.end(),
                       [&](std::size_t s) { return c.view(o, s) == state; });
  });
}

std::size_t count_in_state(const Cluster& c, const std::vector<std::size_t>& observers,
                           const std::vector<std::size_t>& subjects, MemberState state) {
  std::size_t n = 0;
  for (const auto o : observers) {
    for (const auto s : subjects) {
      if (c.view(o, s) == state) ++n;
    }
  }
  return n;
}

bool holds_service(Cluster& c, std::size_t observer, const std::string& service) {
  return !c.core(observer).registry().lookup(service).empty();
}

bool any_running_holds_service(Cluster& c, const std::string& service) {
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (c.running(i) && holds_service(c, i, service)) return true;
  }
  return false;
}

// Records every time a node declares someone dead (by name).
struct DeathLog {
  struct Entry {
    Duration at;
    std::size_t observer;
    std::string subject;
  };
  std::vector<Entry> entries;

  void attach(Cluster& c) {
    c.set_event_tap([this](TimePoint at, std::size_t node, const MemberEvent& e) {
      if (e.type == MemberEventType::dead) entries.push_back({at - kEpoch, node, e.name});
    });
  }
  std::size_t about(const std::string& subject) const {
    return static_cast<std::size_t>(std::count_if(
        entries.begin(), entries.end(), [&](const Entry& e) { return e.subject == subject; }));
  }
  std::string first_few() const {
    std::ostringstream out;
    for (std::size_t k = 0; k < std::min<std::size_t>(entries.size(), 5); ++k) {
      out << "  n" << entries[k].observer << " declared " << entries[k].subject
          << " dead at t=" << seconds(entries[k].at) << "s\n";
    }
    return out.str();
  }
};

Service service(std::string name, std::string id, std::string endpoint) {
  Service s;
  s.name = std::move(name);
  s.id = std::move(id);
  s.endpoint = std::move(endpoint);
  return s;
}

// Starts every node through node 0 and waits for full convergence.
::testing::AssertionResult start_and_converge(Cluster& c, Duration limit) {
  c.start_all({0});
  const auto took = converge(c, c.size(), limit);
  if (!took) {
    return ::testing::AssertionFailure()
           << "no convergence within " << seconds(limit) << "s; " << describe(c, c.size());
  }
  return ::testing::AssertionSuccess();
}

// A LAN cluster of `nodes`, started through node 0, with every dead event
// logged; `converged` says whether it converged within `limit`.
struct LoggedCluster {
  LoggedCluster(std::size_t nodes, std::uint64_t seed, Duration limit) : c(lan(nodes, seed)) {
    deaths.attach(c);
    converged = start_and_converge(c, limit);
  }
  Cluster c;
  DeathLog deaths;
  ::testing::AssertionResult converged = ::testing::AssertionFailure();
};

// --- 1. join -----------------------------------------------------------------

TEST(Scenario, HundredNodesJoinThroughOneSeedAndConvergeWithinTenSeconds) {
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(hint(seed));
    Cluster c(lan(100, seed));
    c.start_all({0});
    const auto took = converge(c, 100, 10s);
    ASSERT_TRUE(took) << describe(c, 100);
    std::cout << "[ seed " << seed << " ] 100 nodes converged in " << seconds(*took) << "s, "
              << c.messages_sent() << " messages\n";
  }
}

// --- 2. service spread at 1,000 nodes ----------------------------------------

TEST(Scenario, ServiceReachesThousandNodesWithinOneSecondWithinRetransmitBudget) {
  constexpr std::size_t kNodes = 1000;
  constexpr std::size_t kAdvertiser = 17;
  constexpr std::size_t kIsolated = 500;
  for (const auto seed : test_seeds(1)) {
    SCOPED_TRACE(hint(seed));
    Cluster c(lan(kNodes, seed));
    ASSERT_TRUE(start_and_converge(c, 60s));
    std::cout << "[ seed " << seed << " ] 1000 nodes converged at t=" << seconds(c.elapsed())
              << "s\n";

    // Count, per sender, the news records about the advertiser's new incarnation.
    const std::string advertiser = c.name(kAdvertiser);
    std::optional<Incarnation> news_inc;
    std::vector<int> sent(kNodes, 0);
    c.set_tap([&](const Delivery& d) {
      if (!news_inc) return;
      const auto r = membership::wire::decode(*d.bytes, ProtocolParams::lan().cluster_id);
      if (!r.ok()) return;
      for (const auto& rec : r.message.news) {
        if (rec.name == advertiser && rec.incarnation == *news_inc) ++sent[d.from];
      }
    });
    c.advertise(kAdvertiser, service("web", "web-1", "http://x:80"));
    news_inc = c.core(kAdvertiser).incarnation();

    const auto spread = c.run_until([&] { return c.all_have_service("web"); }, 1s);
    ASSERT_TRUE(spread) << c.count_having_service("web") << " of " << kNodes
                        << " nodes have web after 1s";
    c.run_for(10s);  // let every retransmission happen
    c.set_tap(nullptr);
    const auto most = *std::max_element(sent.begin(), sent.end());
    const auto limit = membership::retransmit_limit(ProtocolParams::lan().retransmit_mult, kNodes);
    std::cout << "[ seed " << seed << " ] web reached all in " << seconds(*spread)
              << "s; most news sends by one node " << most << " (limit " << limit << ")\n";
    EXPECT_LE(most, limit) << "node n"
                           << (std::max_element(sent.begin(), sent.end()) - sent.begin())
                           << " sent the news " << most << " times";

    // Anti-entropy: a node cut off while the news spread catches up after healing.
    c.network().isolate(kIsolated, kNodes);
    c.advertise(kAdvertiser, service("api", "api-1", "http://x:81"));
    const auto others =
        c.run_until([&] { return c.count_having_service("api") == c.running_count() - 1; }, 5s);
    ASSERT_TRUE(others) << c.count_having_service("api") << " nodes have api";
    EXPECT_FALSE(holds_service(c, kIsolated, "api"));
    c.run_for(5s);
    c.network().heal_node(kIsolated);
    const auto caught_up = c.run_until([&] { return holds_service(c, kIsolated, "api"); }, 3s);
    EXPECT_TRUE(caught_up) << "isolated node lacks api 3s after healing; it holds the advertiser "
                           << (c.view(kIsolated, kAdvertiser)
                                   ? std::string(to_string(*c.view(kIsolated, kAdvertiser)))
                                   : std::string("nowhere"))
                           << "; " << describe(c, kNodes);
    if (caught_up) {
      std::cout << "[ seed " << seed << " ] isolated node caught up " << seconds(*caught_up)
                << "s after healing\n";
    }
  }
}

// --- 3. crash detection ------------------------------------------------------

TEST(Scenario, CrashedNodeIsDeclaredDeadByAllWithinTwentySeconds) {
  constexpr std::size_t kVictim = 42;
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(hint(seed));
    Cluster c(lan(100, seed));
    ASSERT_TRUE(start_and_converge(c, 20s));

    const std::string victim = c.name(kVictim);
    const TimePoint crashed_at = c.now();
    std::vector<std::optional<Duration>> saw_dead(c.size());
    c.set_event_tap([&](TimePoint at, std::size_t node, const MemberEvent& e) {
      if (e.type == MemberEventType::dead && e.name == victim && !saw_dead[node]) {
        saw_dead[node] = at - crashed_at;
      }
    });
    c.crash(kVictim);
    const auto all = c.run_until([&] { return c.all_see(kVictim, MemberState::dead); }, 20s);
    ASSERT_TRUE(all) << c.count_seeing(kVictim, MemberState::dead) << " of 99 see the victim dead, "
                     << c.count_seeing(kVictim, MemberState::suspect) << " suspect";

    std::vector<Duration> times;
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (i != kVictim && saw_dead[i]) times.push_back(*saw_dead[i]);
    }
    ASSERT_EQ(times.size(), c.size() - 1) << "a node saw the victim dead without a dead event";
    std::sort(times.begin(), times.end());
    const auto median = times[times.size() / 2];
    std::cout << "[ seed " << seed << " ] dead: first " << seconds(times.front()) << "s, median "
              << seconds(median) << "s, all " << seconds(*all) << "s\n";
    EXPECT_LE(median, 12s);
  }
}

// --- 4. no false positives under loss ----------------------------------------

TEST(Scenario, TenPercentLossForTenMinutesDeclaresNoLiveNodeDead) {
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(hint(seed));
    auto options = lan(100, seed);
    options.link.loss = 0.10;
    options.check_every = 100ms;
    Cluster c(options);
    DeathLog deaths;
    deaths.attach(c);
    ASSERT_TRUE(start_and_converge(c, 60s));
    const auto before = c.total_stats();
    c.run_for(600s);
    EXPECT_TRUE(deaths.entries.empty()) << deaths.entries.size() << " false deaths, first:\n"
                                        << deaths.first_few();
    // The final state as well: nobody holds anybody dead.
    const auto all = range(0, c.size());
    EXPECT_EQ(count_in_state(c, all, all, MemberState::dead), 0u);

    const auto after = c.total_stats();
    const auto suspicions = after.suspicions - before.suspicions;
    const auto refutations = after.refutations - before.refutations;
    std::cout << "[ seed " << seed << " ] 600s at 10% loss: " << suspicions << " suspicions, "
              << refutations << " refutations, " << after.probes_failed - before.probes_failed
              << " failed probes\n";
    ::testing::Test::RecordProperty("suspicions_seed_" + std::to_string(seed),
                                    std::to_string(suspicions));
    ::testing::Test::RecordProperty("refutations_seed_" + std::to_string(seed),
                                    std::to_string(refutations));
  }
}

// --- 5. pauses ---------------------------------------------------------------

TEST(Scenario, ShortPauseIsNeverDeclaredDead) {
  constexpr std::size_t kPaused = 7;
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(hint(seed));
    LoggedCluster w(50, seed, 20s);
    ASSERT_TRUE(w.converged);
    auto& c = w.c;
    auto& deaths = w.deaths;

    c.pause(kPaused);
    c.run_for(3s);
    c.resume(kPaused);
    const auto seen_dead =
        c.run_until([&] { return c.count_seeing(kPaused, MemberState::dead) > 0; }, 30s);
    EXPECT_FALSE(seen_dead) << "declared dead " << seconds(*seen_dead) << "s after resuming";
    EXPECT_EQ(deaths.about(c.name(kPaused)), 0u) << deaths.first_few();
    EXPECT_TRUE(c.all_see(kPaused, MemberState::alive)) << describe(c, 50);
  }
}

TEST(Scenario, LongPauseIsDeclaredDeadThenAliveAfterResume) {
  constexpr std::size_t kPaused = 13;
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(hint(seed));
    Cluster c(lan(50, seed));
    ASSERT_TRUE(start_and_converge(c, 20s));

    c.pause(kPaused);
    const auto dead = c.run_until([&] { return c.all_see(kPaused, MemberState::dead); }, 120s);
    ASSERT_TRUE(dead) << c.count_seeing(kPaused, MemberState::dead)
                      << " of 49 see the paused node dead after 120s";
    c.run_for(120s - *dead);
    c.resume(kPaused);
    const auto alive = c.run_until([&] { return c.all_see(kPaused, MemberState::alive); }, 10s);
    ASSERT_TRUE(alive) << c.count_seeing(kPaused, MemberState::alive)
                       << " of 49 see it alive 10s after resuming; " << describe(c, 50);
    std::cout << "[ seed " << seed << " ] dead by all after " << seconds(*dead)
              << "s of pause, alive again " << seconds(*alive) << "s after resume\n";
  }
}

// --- 6. partition and heal ---------------------------------------------------

TEST(Scenario, HalvesDeclareEachOtherDeadAndMergeAfterHealing) {
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(hint(seed));
    Cluster c(lan(100, seed));
    ASSERT_TRUE(start_and_converge(c, 20s));
    const auto left = range(0, 50);
    const auto right = range(50, 100);
    // Each side's 50 x 50 views of the other side, in the state `s`.
    const auto pairs = [&](MemberState s) {
      std::ostringstream out;
      out << "left holds " << count_in_state(c, left, right, s) << ", right holds "
          << count_in_state(c, right, left, s) << " of 2500 " << to_string(s);
      return out.str();
    };
    const auto both_sides_see = [&](MemberState s) {
      return every_pair_in_state(c, left, right, s) && every_pair_in_state(c, right, left, s);
    };

    c.network().partition(left, right);
    const auto split = c.run_until([&] { return both_sides_see(MemberState::dead); }, 120s);
    ASSERT_TRUE(split) << "after 120s: " << pairs(MemberState::dead);
    c.run_for(120s - *split);
    // Still true at the end of the partition: nothing revived a member across it.
    ASSERT_TRUE(both_sides_see(MemberState::dead)) << "at heal: " << pairs(MemberState::dead);
    std::cout << "[ seed " << seed << " ] every node saw every node of the other side dead after "
              << seconds(*split) << "s\n";

    c.network().heal();
    const auto merged = converge(c, 100, 60s);
    ASSERT_TRUE(merged) << describe(c, 100) << "; " << pairs(MemberState::alive);
    EXPECT_TRUE(both_sides_see(MemberState::alive)) << pairs(MemberState::alive);
    std::cout << "[ seed " << seed << " ] merged " << seconds(*merged) << "s after healing\n";
  }
}

// --- 7. restart with a new service set ---------------------------------------

TEST(Scenario, RestartedNodeRejoinsWithNewServicesAndOldOnesNeverReturn) {
  constexpr std::size_t kNode = 9;
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(hint(seed));
    Cluster c(lan(50, seed));
    ASSERT_TRUE(start_and_converge(c, 20s));
    c.advertise(kNode, service("cache", "cache-1", "http://n9:6379"));
    ASSERT_TRUE(c.run_until([&] { return c.all_have_service("cache"); }, 2s));

    c.crash(kNode);
    c.run_for(3s);
    const auto old_generation = c.generation(kNode);
    c.restart(kNode, {0});
    ASSERT_GT(c.generation(kNode), old_generation);
    const auto fresh = service("queue", "queue-1", "http://n9:5672");
    c.advertise(kNode, fresh);

    const std::string who = c.name(kNode);
    const auto has_new_set = [&](std::size_t i) {
      const auto* m = c.core(i).members().find(who);
      return m != nullptr && m->state == MemberState::alive &&
             m->services == std::vector<Service>{fresh};
    };
    const auto back = c.run_until(
        [&] {
          for (std::size_t i = 0; i < c.size(); ++i) {
            if (c.running(i) && !has_new_set(i)) return false;
          }
          return !any_running_holds_service(c, "cache");
        },
        5s);
    std::size_t with_new = 0;
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (has_new_set(i)) ++with_new;
    }
    ASSERT_TRUE(back) << with_new << " of 50 hold the new set; " << c.count_having_service("cache")
                      << " still list cache; " << describe(c, 50);

    const auto old_seen = c.run_until([&] { return any_running_holds_service(c, "cache"); }, 30s);
    EXPECT_FALSE(old_seen) << "old service listed again " << seconds(*old_seen) << "s later by "
                           << c.count_having_service("cache") << " nodes";
    std::cout << "[ seed " << seed << " ] restarted node back with new services in "
              << seconds(*back) << "s\n";
  }
}

// --- 8. graceful leave -------------------------------------------------------

TEST(Scenario, GracefulLeaveIsSeenAsLeftWithinThreeSeconds) {
  constexpr std::size_t kLeaver = 5;
  for (const auto seed : test_seeds()) {
    SCOPED_TRACE(hint(seed));
    LoggedCluster w(50, seed, 20s);
    ASSERT_TRUE(w.converged);
    auto& c = w.c;
    auto& deaths = w.deaths;

    c.leave(kLeaver);
    const auto gone = c.run_until([&] { return c.all_see(kLeaver, MemberState::left); }, 3s);
    ASSERT_TRUE(gone) << c.count_seeing(kLeaver, MemberState::left) << " of 49 see it left, "
                      << c.count_seeing(kLeaver, MemberState::dead) << " dead";
    const auto stopped = c.run_until([&] { return c.status(kLeaver) == NodeStatus::stopped; }, 5s);
    EXPECT_TRUE(stopped) << "the leaver still had news queued after 5s";
    c.run_for(30s);
    EXPECT_TRUE(c.all_see(kLeaver, MemberState::left));
    EXPECT_EQ(deaths.about(c.name(kLeaver)), 0u) << deaths.first_few();
    std::cout << "[ seed " << seed << " ] left seen by all in " << seconds(*gone) << "s\n";
  }
}

// --- the cluster's own mechanics ---------------------------------------------

std::uint64_t messages_in(Cluster& c, std::size_t i) {
  const auto& by_type = c.core(i).stats().messages_in;
  return std::accumulate(by_type.begin(), by_type.end(), std::uint64_t{0});
}

TEST(ClusterMechanics, RunUntilReturnsZeroWhenAlreadyTrueAndNulloptOnTimeout) {
  Cluster c(lan(3, 1));
  EXPECT_EQ(c.run_until([] { return true; }, 1s), Duration::zero());
  const auto start = c.now();
  EXPECT_FALSE(c.run_until([] { return false; }, 250ms));
  EXPECT_EQ(c.now() - start, Duration(250ms));
}

TEST(ClusterMechanics, NodesAreNamedAndNotStartedUntilStartAll) {
  Cluster c(lan(3, 1));
  EXPECT_EQ(c.name(2), "n2");
  EXPECT_EQ(c.endpoint(2), "sim://n2");
  EXPECT_EQ(c.status(1), NodeStatus::stopped);
  EXPECT_THROW(c.core(1), std::logic_error);
  c.start_all({0});
  EXPECT_EQ(c.running_count(), 3u);
  EXPECT_EQ(c.core(1).name(), "n1");
  EXPECT_EQ(
      c.generation(1),
      static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(kEpoch - TimePoint{}).count()));
}

TEST(ClusterMechanics, RestartAtTheSameInstantStillRaisesTheGeneration) {
  Cluster c(lan(3, 1));
  c.start_all({0});
  const auto first = c.generation(2);
  c.restart(2, {0});
  EXPECT_GT(c.generation(2), first);
  EXPECT_EQ(c.status(2), NodeStatus::running);
}

TEST(ClusterMechanics, CrashedNodeReceivesNothing) {
  Cluster c(lan(3, 1));
  c.start_all({0});
  ASSERT_TRUE(converge(c, 3, 5s));
  c.crash(1);
  const auto received = messages_in(c, 1);
  std::uint64_t dropped_to_crashed = 0;
  c.set_tap([&](const Delivery& d) {
    if (d.to == 1 && !d.delivered) ++dropped_to_crashed;
  });
  c.run_for(5s);
  EXPECT_EQ(messages_in(c, 1), received);
  EXPECT_GT(dropped_to_crashed, 0u);
}

TEST(ClusterMechanics, PausedNodeGetsItsQueuedMessagesOnResume) {
  auto options = lan(3, 1);
  options.pause_queue_max = 4;
  Cluster c(options);
  c.start_all({0});
  ASSERT_TRUE(converge(c, 3, 5s));
  std::uint64_t queued = 0;
  std::uint64_t refused = 0;
  c.set_tap([&](const Delivery& d) {
    if (d.to != 2) return;
    (d.delivered ? queued : refused) += 1;
  });
  c.pause(2);
  const auto received = messages_in(c, 2);
  c.run_for(10s);
  EXPECT_EQ(messages_in(c, 2), received);  // nothing handed over while paused
  EXPECT_EQ(queued, 4u);
  EXPECT_GT(refused, 0u);
  c.resume(2);
  EXPECT_EQ(messages_in(c, 2), received + 4);
}

}  // namespace
}  // namespace hearsay::sim
