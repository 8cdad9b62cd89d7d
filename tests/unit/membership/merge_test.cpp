// Merger: claims applied by the state they claim (new member, alive,
// suspect, dead or left), claims about ourselves refuted, deaths learnt
// through anti-entropy taken as suspicions, suspicion timers and their
// confirmations, declaring dead, reaping tombstones, and the events of each.
// Timeouts are worked out by hand from the LAN profile (probe_interval 1 s,
// suspicion_mult 4, suspicion_max_timeout_mult 6).
#include "membership/merge.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "part_fixture.hpp"

namespace hearsay::membership {
namespace {

using namespace fixture;
using Origin = Merger::Origin;
using Events = std::vector<std::pair<MemberEventType, std::string>>;

constexpr auto kJoin = MemberEventType::join;
constexpr auto kSuspect = MemberEventType::suspect;
constexpr auto kAlive = MemberEventType::alive;
constexpr auto kDead = MemberEventType::dead;
constexpr auto kLeft = MemberEventType::left;
constexpr auto kUpdated = MemberEventType::updated;

Events events(Parts& p) {
  Events out;
  for (const auto& e : p.merger.take_events())
    out.emplace_back(e.type, e.name);
  return out;
}

// Applies `r` as news told by x.
bool gossip(Parts& p, const MemberRecord& r, TimePoint now = kT0) {
  return p.merger.apply(now, r, Origin::gossip, "sim://x");
}

const Member& b_of(const Parts& p) {
  return *p.ctx.table.find("b");
}

// Milliseconds from kT0 to the earliest suspicion deadline.
double deadline_ms(const Parts& p) {
  return std::chrono::duration<double, std::milli>(p.merger.deadline() - kT0).count();
}

// --- a member we never knew ------------------------------------------------------

TEST(Merge, NewAliveMemberIsLearnedAndSpread) {
  Parts p;
  auto r = record("b", MemberState::alive, {5, 0});
  r.services_version = {5, 0};
  r.services = std::vector<Service>{service("payments", "b1")};
  EXPECT_TRUE(gossip(p, r, kT0 + 1s));
  const auto& b = b_of(p);
  EXPECT_EQ(b.state, MemberState::alive);
  EXPECT_EQ(b.endpoint, "sim://b");
  EXPECT_EQ(b.incarnation, (Incarnation{5, 0}));
  EXPECT_EQ(b.state_since, kT0 + 1s);
  EXPECT_TRUE(b.services_complete);
  EXPECT_EQ(p.ctx.registry.lookup("payments").size(), 1u);
  EXPECT_EQ(events(p), (Events{{kJoin, "b"}}));
  EXPECT_TRUE(p.ctx.broadcasts.contains("b"));
  EXPECT_EQ(p.ctx.stats.news_applied, 1u);
  EXPECT_EQ(p.peers.next_probe_target(), "b");
  EXPECT_TRUE(p.sent().empty()) << "nothing to pull";
}

TEST(Merge, NewMemberLearntThroughASyncIsSpreadOnlyFromItsOwnMouth) {
  Parts p;
  EXPECT_TRUE(p.merger.apply(kT0, record("b", MemberState::alive), Origin::sync, "sim://x"));
  EXPECT_FALSE(p.ctx.broadcasts.contains("b")) << "a joiner's sync does not re-announce";
  EXPECT_TRUE(p.merger.apply(kT0, record("c", MemberState::alive), Origin::sync, "sim://c"));
  EXPECT_TRUE(p.ctx.broadcasts.contains("c")) << "c joining us is news for everyone";
  EXPECT_EQ(events(p), (Events{{kJoin, "b"}, {kJoin, "c"}}));
}

TEST(Merge, NewMemberKnownByVersionOnlyIsPulledFromWhoeverToldUs) {
  Parts p;
  auto r = record("b", MemberState::alive, {5, 0});
  r.services_version = {5, 2};
  r.services.reset();
  EXPECT_TRUE(gossip(p, r));
  EXPECT_FALSE(b_of(p).services_complete);
  EXPECT_FALSE(p.ctx.broadcasts.contains("b")) << "not spread until its set is complete";
  EXPECT_EQ(events(p), (Events{{kJoin, "b"}}));
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, "sim://x");
  EXPECT_EQ(sent[0].body<wire::ServicesPull>(), (wire::ServicesPull{"b", {5, 2}}));
}

TEST(Merge, NewSuspectMemberRunsOurOwnTimer) {
  Parts p;
  EXPECT_TRUE(gossip(p, record("b", MemberState::suspect, {5, 0}, "x")));
  EXPECT_EQ(b_of(p).state, MemberState::suspect);
  EXPECT_EQ(b_of(p).from, "x");
  EXPECT_EQ(events(p), (Events{{kJoin, "b"}, {kSuspect, "b"}})) << "join first";
  EXPECT_EQ(p.ctx.stats.suspicions, 1u);
  // Two live members: no confirmations to wait for (k = 0), so the timeout is
  // its floor, 4 * max(1, log10 2) * 1 s = 4 s.
  EXPECT_EQ(p.merger.deadline(), kT0 + 4s);
  p.merger.tick(kT0 + 4s - 1ns);
  EXPECT_EQ(b_of(p).state, MemberState::suspect);
  p.merger.tick(kT0 + 4s);
  EXPECT_EQ(b_of(p).state, MemberState::dead);
  EXPECT_EQ(events(p), (Events{{kDead, "b"}}));
}

TEST(Merge, DeathOrLeaveOfAStrangerIsIgnored) {
  Parts p;
  EXPECT_FALSE(gossip(p, record("b", MemberState::dead, {5, 0}, "x")));
  EXPECT_FALSE(gossip(p, record("c", MemberState::left, {5, 1})));
  EXPECT_EQ(p.ctx.table.size(), 1u);
  EXPECT_TRUE(events(p).empty());
  EXPECT_EQ(p.ctx.broadcasts.size(), 0u);
  EXPECT_EQ(p.ctx.stats.news_applied, 0u);
}

// --- alive ---------------------------------------------------------------------

TEST(Merge, AliveAtANewerIncarnationIsAdoptedQuietly) {
  Parts p;
  p.add("b");
  EXPECT_TRUE(gossip(p, record("b", MemberState::alive, {1, 1})));
  EXPECT_EQ(b_of(p).incarnation, (Incarnation{1, 1}));
  EXPECT_TRUE(events(p).empty()) << "nothing a watcher sees changed";
  EXPECT_TRUE(p.ctx.broadcasts.contains("b"));
  EXPECT_EQ(p.ctx.stats.news_applied, 1u);
  EXPECT_FALSE(gossip(p, record("b", MemberState::alive, {1, 1}))) << "the same again";
  EXPECT_FALSE(gossip(p, record("b", MemberState::alive, {1, 0}))) << "older";
  EXPECT_EQ(b_of(p).incarnation, (Incarnation{1, 1}));
  EXPECT_EQ(p.ctx.stats.news_applied, 1u);
}

TEST(Merge, AliveWithANewEndpointOrServiceSetIsAnUpdate) {
  Parts p;
  p.add("b");
  auto moved = record("b", MemberState::alive, {1, 1});
  moved.endpoint = "sim://b2";
  EXPECT_TRUE(gossip(p, moved));
  EXPECT_EQ(b_of(p).endpoint, "sim://b2");
  EXPECT_EQ(p.ctx.table.find_by_endpoint("sim://b2"), &b_of(p));
  EXPECT_EQ(events(p), (Events{{kUpdated, "b"}}));

  auto advertised = record("b", MemberState::alive, {1, 2});
  advertised.endpoint = "sim://b2";
  advertised.services_version = {1, 2};
  advertised.services = std::vector<Service>{service("payments", "b1")};
  EXPECT_TRUE(gossip(p, advertised));
  EXPECT_EQ(b_of(p).services_version, (Incarnation{1, 2}));
  ASSERT_EQ(p.ctx.registry.lookup("payments").size(), 1u);
  EXPECT_EQ(p.ctx.registry.lookup("payments")[0].member, "b");
  EXPECT_EQ(events(p), (Events{{kUpdated, "b"}}));
}

TEST(Merge, AliveEndsASuspicion) {
  Parts p;
  p.add("b");
  gossip(p, record("b", MemberState::suspect, {1, 0}, "x"));
  ASSERT_NE(p.merger.deadline(), kNever);
  events(p);
  EXPECT_TRUE(gossip(p, record("b", MemberState::alive, {1, 1}), kT0 + 1s));
  EXPECT_EQ(b_of(p).state, MemberState::alive);
  EXPECT_EQ(b_of(p).from, "");
  EXPECT_EQ(b_of(p).state_since, kT0 + 1s);
  EXPECT_EQ(events(p), (Events{{kAlive, "b"}}));
  EXPECT_EQ(p.merger.deadline(), kNever) << "the timer is gone";
  p.merger.tick(kT0 + 1h);
  EXPECT_EQ(b_of(p).state, MemberState::alive);
}

TEST(Merge, AliveAfterDeathIsAJoinSpreadEvenFromASync) {
  Parts p;
  p.add("b", MemberState::dead);
  auto back = record("b", MemberState::alive, {1, 1});
  back.endpoint = "sim://b-restarted";
  EXPECT_TRUE(p.merger.apply(kT0, back, Origin::sync, "sim://x"));
  EXPECT_EQ(b_of(p).state, MemberState::alive);
  EXPECT_EQ(events(p), (Events{{kJoin, "b"}})) << "a join, not an update";
  EXPECT_TRUE(p.ctx.broadcasts.contains("b")) << "a partition merging is news";
  EXPECT_EQ(p.peers.next_probe_target(), "b");

  // A missed update learnt through a sync is not.
  p.add("c");
  EXPECT_TRUE(
      p.merger.apply(kT0, record("c", MemberState::alive, {1, 1}), Origin::sync, "sim://x"));
  EXPECT_FALSE(p.ctx.broadcasts.contains("c"));
}

TEST(Merge, ServiceSetArrivingForAVersionOnlyMemberCompletesIt) {
  Parts p;
  auto by_version = record("b", MemberState::alive, {1, 0});
  by_version.services_version = {1, 3};
  by_version.services.reset();
  gossip(p, by_version);
  events(p);
  p.sent();
  ASSERT_NE(p.pulls.deadline(), kNever);
  auto full = by_version;
  full.services = std::vector<Service>{service("payments", "b1")};
  EXPECT_TRUE(p.merger.apply(kT0 + 100ms, full, Origin::sync, "sim://x"));
  EXPECT_TRUE(b_of(p).services_complete);
  EXPECT_EQ(p.ctx.registry.lookup("payments").size(), 1u);
  EXPECT_EQ(events(p), (Events{{kUpdated, "b"}}));
  EXPECT_EQ(p.ctx.stats.services_pulled, 1u);
  EXPECT_EQ(p.pulls.deadline(), kNever) << "the pull is done";
  EXPECT_TRUE(p.ctx.broadcasts.contains("b"));
}

// --- suspect -------------------------------------------------------------------

// Four live members: Lifeguard waits for k = suspicion_mult - 2 = 2
// confirmations. The floor is 4 * max(1, log10 4 = 0.602) * 1 s = 4 s, the
// ceiling 6 * 4 s = 24 s, and after c confirmations the timeout is
//   24 - 20 * ln(c + 1) / ln 3:  24 s, 11.381 s, 4 s.
void add_b_c_d(Parts& p) {
  for (const auto* n : {"b", "c", "d"})
    p.add(n);
}

TEST(Merge, SuspectClaimStartsTheTimerAtItsCeiling) {
  Parts p;
  add_b_c_d(p);
  EXPECT_TRUE(gossip(p, record("b", MemberState::suspect, {1, 0}, "x")));
  EXPECT_EQ(b_of(p).state, MemberState::suspect);
  EXPECT_EQ(b_of(p).from, "x");
  EXPECT_EQ(b_of(p).state_since, kT0);
  EXPECT_EQ(events(p), (Events{{kSuspect, "b"}}));
  EXPECT_EQ(p.ctx.stats.suspicions, 1u);
  EXPECT_TRUE(p.ctx.broadcasts.contains("b"));
  EXPECT_EQ(p.merger.deadline(), kT0 + 24s);
}

TEST(Merge, ConfirmationsFromDistinctAccusersShortenTheSuspicion) {
  Parts p;
  add_b_c_d(p);
  gossip(p, record("b", MemberState::suspect, {1, 0}, "x"));
  p.ctx.broadcasts.clear();
  EXPECT_FALSE(gossip(p, record("b", MemberState::suspect, {1, 0}, "y"), kT0 + 1s));
  EXPECT_NEAR(deadline_ms(p), 11381.405, 0.01) << "one confirmation";
  EXPECT_EQ(b_of(p).from, "y");
  EXPECT_TRUE(p.ctx.broadcasts.contains("b")) << "the confirmation is spread";
  EXPECT_EQ(b_of(p).state_since, kT0) << "still the same suspicion";
  gossip(p, record("b", MemberState::suspect, {1, 0}, "y"), kT0 + 2s);
  gossip(p, record("b", MemberState::suspect, {1, 0}, "x"), kT0 + 2s);
  EXPECT_NEAR(deadline_ms(p), 11381.405, 0.01) << "the same accusers count once";
  gossip(p, record("b", MemberState::suspect, {1, 0}, "z"), kT0 + 3s);
  EXPECT_EQ(p.merger.deadline(), kT0 + 4s) << "two confirmations: the floor";
  EXPECT_EQ(events(p), (Events{{kSuspect, "b"}})) << "confirmations are no new event";
}

TEST(Merge, OurOwnFailedProbeConfirmsASuspicion) {
  Parts p;
  add_b_c_d(p);
  gossip(p, record("b", MemberState::suspect, {1, 0}, "x"));
  p.merger.accuse(kT0 + 1s, b_of(p));
  EXPECT_NEAR(deadline_ms(p), 11381.405, 0.01);
  EXPECT_EQ(b_of(p).from, "self");
  EXPECT_EQ(p.ctx.stats.suspicions_raised, 0u) << "a confirmation, not a new suspicion";
}

TEST(Merge, SuspicionAtANewerIncarnationCarriesItsServiceSet) {
  Parts p;
  p.add("b");
  auto r = record("b", MemberState::suspect, {1, 1}, "x");
  r.services_version = {1, 1};
  r.services = std::vector<Service>{service("payments", "b1")};
  EXPECT_TRUE(gossip(p, r));
  EXPECT_EQ(b_of(p).incarnation, (Incarnation{1, 1}));
  EXPECT_EQ(b_of(p).services_version, (Incarnation{1, 1}));
  EXPECT_EQ(p.ctx.registry.lookup("payments").size(), 1u);

  // By version only: pulled from whoever told us.
  auto newer = record("b", MemberState::suspect, {1, 2}, "x");
  newer.services_version = {1, 2};
  newer.services.reset();
  EXPECT_TRUE(gossip(p, newer));
  EXPECT_EQ(b_of(p).services_version, (Incarnation{1, 2}));
  EXPECT_FALSE(b_of(p).services_complete);
  const auto pulls = of_type(p.sent(), MessageType::services_pull);
  ASSERT_EQ(pulls.size(), 1u);
  EXPECT_EQ(pulls[0].to, "sim://x");
}

// --- dead and left ---------------------------------------------------------------

TEST(Merge, DeathLeavesATombstone) {
  Parts p;
  auto b = member("b");
  b.services = {service("payments", "b1")};
  p.put(b);
  gossip(p, record("b", MemberState::suspect, {1, 0}, "y"));
  events(p);
  EXPECT_TRUE(gossip(p, record("b", MemberState::dead, {1, 0}, "x"), kT0 + 1s));
  EXPECT_EQ(b_of(p).state, MemberState::dead);
  EXPECT_EQ(b_of(p).from, "x");
  EXPECT_EQ(b_of(p).state_since, kT0 + 1s);
  EXPECT_EQ(events(p), (Events{{kDead, "b"}}));
  EXPECT_EQ(p.merger.deadline(), kNever) << "no timer on the dead";
  EXPECT_TRUE(p.ctx.registry.lookup("payments").empty());
  EXPECT_TRUE(p.peers.sample(5, false, "", kT0 + 1s).empty());
  EXPECT_TRUE(p.ctx.broadcasts.contains("b"));
  // Stale news cannot bring it back.
  EXPECT_FALSE(gossip(p, record("b", MemberState::alive, {1, 0})));
  EXPECT_FALSE(gossip(p, record("b", MemberState::suspect, {1, 0})));
  EXPECT_EQ(b_of(p).state, MemberState::dead);
}

TEST(Merge, LeavingLowersTheLiveHighWaterMarkAndDyingDoesNot) {
  Parts p;
  EXPECT_EQ(p.merger.live_high_water(), 1u);
  for (const auto* n : {"b", "c", "d"})
    p.add(n);
  EXPECT_EQ(p.merger.live_high_water(), 4u);
  EXPECT_TRUE(gossip(p, record("c", MemberState::left, {1, 1})));
  EXPECT_EQ(events(p), (Events{{kLeft, "c"}}));
  EXPECT_EQ(p.merger.live_high_water(), 3u) << "c left on purpose: not missed";
  EXPECT_TRUE(gossip(p, record("b", MemberState::dead, {1, 0}, "x")));
  EXPECT_EQ(p.merger.live_high_water(), 3u) << "b is missed: we may be cut off from it";
  EXPECT_TRUE(gossip(p, record("b", MemberState::left, {1, 1})));
  EXPECT_EQ(events(p), (Events{{kDead, "b"}, {kLeft, "b"}}));
  EXPECT_EQ(p.merger.live_high_water(), 2u) << "b turned out to have left";
  EXPECT_EQ(p.ctx.table.live_count(), 2u);
}

// A left claim lowers the high-water mark only for a member not already left:
// a later life of c that left again (its alive news missed) once lowered it a
// second time, and d, still dead and missed, no longer made AntiEntropy
// re-join a seed.
TEST(Merge, LeftAgainDoesNotLowerTheHighWaterMarkTwice) {
  Parts p;
  for (const auto* n : {"b", "c", "d"})
    p.add(n);
  gossip(p, record("d", MemberState::dead, {1, 0}, "x"));
  gossip(p, record("c", MemberState::left, {1, 1}));
  ASSERT_EQ(p.merger.live_high_water(), 3u) << "us, b, and d whom we miss";
  EXPECT_TRUE(gossip(p, record("c", MemberState::left, {2, 1})));
  EXPECT_EQ(p.merger.live_high_water(), 3u) << "d is still missed";
}

// --- claims about us ---------------------------------------------------------------

struct SelfCase {
  MemberState state;
  Incarnation claimed;
  Incarnation after;  // == {1, 0}: not refuted
};

TEST(Merge, ClaimsAboutUsAreRefutedWithAHigherIncarnation) {
  const std::vector<SelfCase> cases = {
      {MemberState::suspect, {1, 0}, {1, 1}},  // our own incarnation
      {MemberState::dead, {1, 0}, {1, 1}},    {MemberState::left, {1, 0}, {1, 1}},
      {MemberState::suspect, {1, 5}, {1, 6}},  // above ours (a clash): beat it
      {MemberState::suspect, {2, 3}, {2, 4}},  // a later generation: adopt it
      {MemberState::alive, {1, 3}, {1, 4}},    // an alive we never said
      {MemberState::alive, {1, 0}, {1, 0}},    // what we said
      {MemberState::suspect, {0, 9}, {1, 0}},  // an older life: stale
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(to_string(c.state)) + " at " + std::to_string(c.claimed.generation) +
                 "." + std::to_string(c.claimed.counter));
    Parts p;
    auto r = record("self", c.state, c.claimed, "x");
    const bool refuted = c.after != Incarnation{1, 0};
    EXPECT_EQ(gossip(p, r), refuted);
    const auto& me = p.ctx.me();
    EXPECT_EQ(me.incarnation, c.after);
    EXPECT_EQ(me.state, MemberState::alive);
    EXPECT_EQ(me.services_version, (Incarnation{1, 0})) << "our services did not change";
    EXPECT_EQ(p.ctx.stats.refutations, refuted ? 1u : 0u);
    EXPECT_EQ(p.ctx.awareness.score(), refuted ? 1 : 0) << "being suspected hints we are slow";
    EXPECT_EQ(p.ctx.broadcasts.contains("self"), refuted);
    EXPECT_TRUE(events(p).empty());
  }
}

TEST(Merge, LeavingNodeRefutesNothing) {
  Parts p;
  p.ctx.leaving = true;
  EXPECT_FALSE(gossip(p, record("self", MemberState::dead, {1, 0}, "x")));
  EXPECT_EQ(p.ctx.me().incarnation, (Incarnation{1, 0}));
  EXPECT_EQ(p.ctx.stats.refutations, 0u);
}

// --- deaths learnt through anti-entropy ------------------------------------------

TEST(Merge, DeathLearntThroughASyncRightAfterAPauseIsTakenAsItIs) {
  Parts p;  // gossip_to_the_dead 30 s
  p.add("b");
  p.add("c");
  p.merger.note_stale_view(kT0);
  EXPECT_TRUE(p.merger.apply(kT0 + 29s, record("b", MemberState::dead, {1, 0}, "x"), Origin::sync,
                             "sim://x"));
  EXPECT_EQ(b_of(p).state, MemberState::dead) << "our view was the stale one";
  EXPECT_TRUE(p.merger.apply(kT0 + 30s, record("c", MemberState::dead, {1, 0}, "x"), Origin::sync,
                             "sim://x"));
  EXPECT_EQ(p.ctx.table.find("c")->state, MemberState::suspect) << "later: suspected again";
}

TEST(Merge, DeathLearntThroughASyncIsOnlySuspected) {
  Parts p;
  p.add("b");
  EXPECT_TRUE(
      p.merger.apply(kT0, record("b", MemberState::dead, {1, 0}, "x"), Origin::sync, "sim://x"));
  EXPECT_EQ(b_of(p).state, MemberState::suspect) << "b may refute: the other side's view";
  EXPECT_EQ(events(p), (Events{{kSuspect, "b"}}));
  EXPECT_EQ(p.merger.deadline(), kT0 + 4s);
  // Of a member we already hold dead: nothing new.
  p.add("c", MemberState::dead);
  EXPECT_FALSE(
      p.merger.apply(kT0, record("c", MemberState::dead, {1, 0}, "x"), Origin::sync, "sim://x"));
  EXPECT_EQ(p.ctx.table.find("c")->state, MemberState::dead);
}

// --- our own verdicts --------------------------------------------------------------

TEST(Merge, FailedProbeSuspectsThenDeclaresDeadAtTheTimeout) {
  Parts p;
  p.add("b");
  p.merger.accuse(kT0, b_of(p));
  EXPECT_EQ(b_of(p).state, MemberState::suspect);
  EXPECT_EQ(b_of(p).from, "self");
  EXPECT_EQ(p.ctx.stats.suspicions_raised, 1u);
  EXPECT_EQ(p.merger.deadline(), kT0 + 4s) << "two live: the 4 s floor";
  p.ctx.broadcasts.clear();
  p.merger.tick(kT0 + 4s - 1ns);
  EXPECT_EQ(b_of(p).state, MemberState::suspect);
  p.merger.tick(kT0 + 4s);
  EXPECT_EQ(b_of(p).state, MemberState::dead);
  EXPECT_EQ(b_of(p).from, "self");
  EXPECT_EQ(b_of(p).state_since, kT0 + 4s);
  EXPECT_EQ(p.ctx.stats.deaths_declared, 1u);
  EXPECT_EQ(events(p), (Events{{kSuspect, "b"}, {kDead, "b"}}));
  EXPECT_TRUE(p.ctx.broadcasts.contains("b"));
  EXPECT_EQ(p.merger.deadline(), kNever);
}

TEST(Merge, PausePostponesSuspicionTimers) {
  Parts p;
  p.add("b");
  p.merger.accuse(kT0, b_of(p));
  p.merger.postpone_suspicions(10s);
  EXPECT_EQ(p.merger.deadline(), kT0 + 14s);
  p.merger.tick(kT0 + 13s);
  EXPECT_EQ(b_of(p).state, MemberState::suspect);
}

TEST(Merge, ChangeOfOurOwnRecordRaisesOurIncarnation) {
  Parts p;
  p.merger.bump_self(kT0);
  EXPECT_EQ(p.ctx.me().incarnation, (Incarnation{1, 1}));
  EXPECT_EQ(p.ctx.me().services_version, (Incarnation{1, 1}));
  EXPECT_TRUE(p.ctx.broadcasts.contains("self"));
}

TEST(Merge, AccusationsOlderThanTheAliveRecordWeHoldAreOutdated) {
  Parts p;
  p.add("b", MemberState::alive, {1, 3});
  p.add("s", MemberState::suspect, {1, 3});
  const auto outdated = [&](std::string_view name, MemberState st, Incarnation inc) {
    return p.merger.outdated_accusation(record(name, st, inc, "x"));
  };
  EXPECT_TRUE(outdated("b", MemberState::suspect, {1, 2}));
  EXPECT_TRUE(outdated("b", MemberState::dead, {1, 2}));
  EXPECT_TRUE(outdated("self", MemberState::suspect, {0, 9})) << "about us, refuted already";
  EXPECT_FALSE(outdated("b", MemberState::suspect, {1, 3})) << "current: a real suspicion";
  EXPECT_FALSE(outdated("b", MemberState::left, {1, 2})) << "not an accusation";
  EXPECT_FALSE(outdated("b", MemberState::alive, {1, 2}));
  EXPECT_FALSE(outdated("s", MemberState::suspect, {1, 2})) << "we suspect it ourselves";
  EXPECT_FALSE(outdated("nobody", MemberState::suspect, {1, 0}));
}

TEST(Merge, RefusalAccusesWithAWindowOfOneProbeIntervalOrShortensOurTimer) {
  Parts p;  // probe interval 1 s
  for (const auto* n : {"b", "c", "d", "e", "f"})
    p.add(n);
  p.merger.accuse_refused(kT0, *p.ctx.table.find("b"));
  EXPECT_EQ(p.ctx.table.find("b")->state, MemberState::suspect);
  EXPECT_EQ(p.ctx.table.find("b")->from, "self");
  EXPECT_TRUE(p.ctx.broadcasts.contains("b")) << "the suspicion spreads, so b can refute";
  EXPECT_EQ(p.merger.deadline(), kT0 + 1s);
  // A suspicion already running on Lifeguard's long timer is cut short.
  p.merger.apply(kT0, record("c", MemberState::suspect, {1, 0}, "x"), Merger::Origin::gossip,
                 "sim://x");
  p.merger.tick(kT0 + 1s);
  EXPECT_EQ(p.ctx.table.find("b")->state, MemberState::dead);
  EXPECT_EQ(p.ctx.table.find("c")->state, MemberState::suspect);
  p.merger.accuse_refused(kT0 + 2s, *p.ctx.table.find("c"));
  EXPECT_EQ(p.merger.deadline(), kT0 + 3s);
  p.merger.tick(kT0 + 3s);
  EXPECT_EQ(p.ctx.table.find("c")->state, MemberState::dead);
  EXPECT_EQ(p.ctx.stats.refusal_suspicions, 2u);
  EXPECT_EQ(p.ctx.stats.suspicions_raised, 1u) << "c was suspected already";
}

TEST(Merge, TombstonesAreReapedAfterTheTombstoneTimeout) {
  auto params = ProtocolParams::lan();
  params.tombstone_timeout = 60s;
  Parts p(params);
  for (const auto* n : {"a", "b", "c"})
    p.add(n);
  gossip(p, record("b", MemberState::dead, {1, 0}, "x"), kT0);
  gossip(p, record("c", MemberState::dead, {1, 0}, "x"), kT0 + 10s);
  EXPECT_EQ(p.merger.live_high_water(), 4u);
  EXPECT_TRUE(p.merger.reap_tombstones(kT0 + 60s - 1ms).empty());
  EXPECT_EQ(p.merger.reap_tombstones(kT0 + 60s), (std::vector<std::string>{"b"}));
  EXPECT_EQ(p.ctx.table.find("b"), nullptr);
  EXPECT_NE(p.ctx.table.find("c"), nullptr);
  EXPECT_EQ(p.merger.live_high_water(), 2u) << "forgotten members are no longer missed";
  EXPECT_EQ(p.merger.reap_tombstones(kT0 + 70s), (std::vector<std::string>{"c"}));
  EXPECT_TRUE(p.merger.reap_tombstones(kT0 + 1000h).empty()) << "the living stay";
  EXPECT_EQ(p.ctx.table.size(), 2u);
  // A forgotten member's death is news of a stranger again.
  EXPECT_FALSE(gossip(p, record("b", MemberState::dead, {1, 0}, "x"), kT0 + 1000h));
}

}  // namespace
}  // namespace hearsay::membership
