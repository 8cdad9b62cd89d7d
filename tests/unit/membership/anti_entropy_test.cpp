// AntiEntropy: carried digests, the sync exchange (request, bucket records or
// summary, pull, records), corrections, senders we do not know or hold dead, joining with backoff,
// the periodic sync, and re-merging after partitions (reconnect, rejoin).
#include "membership/anti_entropy.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "part_fixture.hpp"

namespace hearsay::membership {
namespace {

using namespace fixture;

// The header of a message from `sender` whose digest disagrees with ours.
wire::Header disagreeing(const Parts& p, std::string_view sender) {
  auto h = p.from(sender, wire::Gossip{}).header;
  h.digest = p.ctx.table.digest() + 1;
  return h;
}

// The sync requests sent since the last call, by destination.
std::vector<std::string> sync_reqs(Parts& p, bool join = false) {
  std::vector<std::string> to;
  for (const auto& s : of_type(p.sent(), MessageType::sync_req)) {
    EXPECT_EQ(s.body<wire::SyncReq>().join, join) << s.to;
    to.push_back(s.to);
  }
  return to;
}

using Endpoints = std::vector<std::string>;

// --- carried digests -------------------------------------------------------------

TEST(AntiEntropy, DigestMismatchMustOutlastTheGraceBeforeASync) {
  Parts p;  // sync_mismatch_grace 1 s
  p.add("b");
  p.anti_entropy.start(kT0);
  const auto t = kT0 + 5s;
  p.anti_entropy.check_digest(t, disagreeing(p, "b"));
  p.anti_entropy.check_digest(t + 999ms, disagreeing(p, "b"));
  EXPECT_TRUE(p.sent().empty()) << "news may still be on its way";
  p.anti_entropy.check_digest(t + 1s, disagreeing(p, "b"));
  EXPECT_EQ(sync_reqs(p), Endpoints{"sim://b"});
  EXPECT_EQ(p.ctx.stats.syncs, 1u);
  p.anti_entropy.check_digest(t + 1500ms, disagreeing(p, "b"));
  EXPECT_TRUE(p.sent().empty()) << "a new grace after each sync";
  p.anti_entropy.check_digest(t + 2s, disagreeing(p, "b"));
  EXPECT_EQ(sync_reqs(p), Endpoints{"sim://b"});
}

TEST(AntiEntropy, AgreeingDigestRestartsTheGrace) {
  Parts p;
  p.add("b");
  p.anti_entropy.start(kT0);
  const auto t = kT0 + 5s;
  p.anti_entropy.check_digest(t, disagreeing(p, "b"));
  p.anti_entropy.check_digest(t + 500ms, p.from("b", wire::Gossip{}).header);
  p.anti_entropy.check_digest(t + 600ms, disagreeing(p, "b"));
  p.anti_entropy.check_digest(t + 1100ms, disagreeing(p, "b"));
  EXPECT_TRUE(p.sent().empty());
  p.anti_entropy.check_digest(t + 1600ms, disagreeing(p, "b"));
  EXPECT_EQ(sync_reqs(p), Endpoints{"sim://b"});
}

TEST(AntiEntropy, DigestMismatchWithANonMemberOrWhileLeavingStartsNoSync) {
  Parts p;
  p.add("dead", MemberState::dead);
  p.add("b");
  p.anti_entropy.start(kT0);
  for (const auto* sender : {"stranger", "dead"}) {
    p.anti_entropy.check_digest(kT0 + 5s, disagreeing(p, sender));
    p.anti_entropy.check_digest(kT0 + 7s, disagreeing(p, sender));
  }
  p.ctx.leaving = true;
  p.anti_entropy.check_digest(kT0 + 9s, disagreeing(p, "b"));
  EXPECT_TRUE(p.sent().empty());
}

// --- the sync exchange -----------------------------------------------------------

TEST(AntiEntropy, SyncRequestWithEqualDigestsEndsWithoutASummary) {
  Parts p;
  p.add("b");
  p.anti_entropy.on_sync_req(kT0, p.from("b", wire::SyncReq{false, {}}));
  EXPECT_TRUE(p.sent().empty()) << "in agreement";
  EXPECT_EQ(p.ctx.stats.syncs_served, 0u);

  // Without bucket digests, or from a sender we do not know (in this life):
  // the whole summary.
  auto differ = p.from("b", wire::SyncReq{false, {}});
  differ.header.digest += 1;
  auto stranger = p.from("z", wire::SyncReq{false, std::vector<std::uint64_t>(64, 0)});
  auto newer = p.from("b", wire::SyncReq{false, std::vector<std::uint64_t>(64, 0)});
  newer.header.sender_incarnation = {1, 1};
  for (const auto* m : {&differ, &stranger, &newer}) {
    p.anti_entropy.on_sync_req(kT0, *m);
    const auto sent = p.sent();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].type(), MessageType::sync_summary);
    EXPECT_EQ(sent[0].to, m->header.sender_endpoint);
  }
  EXPECT_EQ(p.ctx.stats.syncs_served, 3u);
}

TEST(AntiEntropy, JoinRequestIsAnsweredWithEveryLiveRecord) {
  Parts p;
  p.add("b");
  p.add("c", MemberState::suspect);
  p.add("d", MemberState::dead, {1, 0}, kT0);
  p.add("l", MemberState::left, {1, 1}, kT0);
  // Even with equal digests: a joiner needs everything.
  p.anti_entropy.on_sync_req(kT0, p.from("j", wire::SyncReq{true, {}}));
  const auto records = p.records_sent_to("sim://j");
  std::vector<std::string> names;
  for (const auto& r : records)
    names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"b", "c", "self"}));
  EXPECT_EQ(p.ctx.stats.syncs_served, 1u);
}

// Bucket digests as `p` holds them, with `change` applied to a copy first.
std::vector<std::uint64_t> buckets_of(const MemberTable& table) {
  const auto& b = table.bucket_digests();
  return {b.begin(), b.end()};
}

TEST(AntiEntropy, KnownSenderGetsTheRecordsOfTheBucketsThatDiffer) {
  Parts p;
  for (const auto* n : {"b", "c", "d", "e", "f", "g"})
    p.add(n);
  p.add("x", MemberState::dead, {1, 0}, kT0);       // recently dead: sent
  p.add("y", MemberState::dead, {1, 0}, kT0 - 1h);  // long dead: not sent
  // The sender's view: ours, except that it lacks c and holds e older and
  // x and y alive.
  MemberTable theirs;
  for (const auto& [name, m] : p.ctx.table.all()) {
    if (name == "c") continue;
    Member copy = m;
    if (name == "e") copy.incarnation = {0, 9};
    if (name == "x" || name == "y") copy.state = MemberState::alive;
    theirs.put(copy);
  }
  auto req = p.from("b", wire::SyncReq{false, buckets_of(theirs)});
  req.header.digest = theirs.digest();
  p.anti_entropy.on_sync_req(kT0 + 1s, req);
  std::set<std::string> expected;  // every member sharing a bucket with c, e, x or y
  for (const auto& [name, m] : p.ctx.table.all()) {
    const auto b = digest_bucket(name);
    const bool differs = b == digest_bucket("c") || b == digest_bucket("e") ||
                         b == digest_bucket("x") || b == digest_bucket("y");
    if (differs && name != "y") expected.insert(name);
  }
  std::set<std::string> got;
  for (const auto& r : p.records_sent_to("sim://b"))
    got.insert(r.name);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(got.count("c") && got.count("e") && got.count("x"));
  EXPECT_EQ(p.ctx.stats.syncs_served, 1u);

  // Differing only where we hold nothing to send: no message at all.
  Parts q;
  q.add("b");
  MemberTable more;
  for (const auto& [name, m] : q.ctx.table.all())
    more.put(m);
  more.put(member("zz"));
  auto req2 = q.from("b", wire::SyncReq{false, buckets_of(more)});
  req2.header.digest = more.digest();
  q.anti_entropy.on_sync_req(kT0, req2);
  for (const auto& s : q.sent())
    EXPECT_NE(s.type(), MessageType::sync_summary);
}

TEST(AntiEntropy, OutdatedAccusationsAreCorrectedWithTheNewerRecord) {
  Parts p;
  p.add("b", MemberState::alive, {1, 3});
  p.anti_entropy.correct(kT0, "sim://x", {"b", "nobody"});
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, "sim://x");
  EXPECT_EQ(sent[0].type(), MessageType::gossip);
  ASSERT_EQ(sent[0].msg.news.size(), 1u);
  EXPECT_EQ(sent[0].msg.news[0].name, "b");
  EXPECT_EQ(sent[0].msg.news[0].incarnation, (Incarnation{1, 3}));
  EXPECT_EQ(p.ctx.stats.corrections_sent, 1u);
  p.anti_entropy.correct(kT0, "sim://x", {"nobody"});
  p.ctx.leaving = true;
  p.anti_entropy.correct(kT0 + 2s, "sim://x", {"b"});
  EXPECT_TRUE(p.sent().empty());
  EXPECT_EQ(p.ctx.stats.corrections_sent, 1u);
}

// Copies of one stale rumour still in flight need one correction a probe
// interval per sender, not one each.
TEST(AntiEntropy, CorrectionsGoToEachSenderAtMostOnceAProbeInterval) {
  Parts p;
  p.add("b", MemberState::alive, {1, 3});
  p.add("c", MemberState::alive, {1, 2});
  p.anti_entropy.correct(kT0, "sim://x", {"b"});
  EXPECT_EQ(p.sent().size(), 1u);
  p.anti_entropy.correct(kT0 + 500ms, "sim://x", {"b"});
  EXPECT_TRUE(p.sent().empty()) << "the same sender, the same member, too soon";
  p.anti_entropy.correct(kT0 + 500ms, "sim://y", {"b"});
  EXPECT_EQ(p.sent().size(), 1u) << "another sender";
  const auto both = [&] {
    p.anti_entropy.correct(kT0 + 600ms, "sim://x", {"b", "c"});
    return p.sent();
  }();
  ASSERT_EQ(both.size(), 1u);
  ASSERT_EQ(both[0].msg.news.size(), 1u) << "only the member not corrected lately";
  EXPECT_EQ(both[0].msg.news[0].name, "c");
  p.anti_entropy.correct(kT0 + 1s, "sim://x", {"b"});
  EXPECT_EQ(p.sent().size(), 1u) << "a probe interval later, again";
  EXPECT_EQ(p.ctx.stats.corrections_sent, 4u);
}

TEST(AntiEntropy, SummaryIsAnsweredWithPullsAndRecords) {
  Parts p;
  p.add("b");
  p.add("c", MemberState::alive, {1, 2});
  p.add("d", MemberState::dead, {1, 0}, kT0);       // recently dead
  p.add("e");                                       // they lack it
  p.add("h", MemberState::dead, {1, 0}, kT0 - 1h);  // long dead
  auto g = member("g");
  g.services_version = {1, 4};
  g.services_complete = false;  // we know its set by version only
  p.put(g);
  wire::SyncSummary theirs;
  theirs.entries = {
      {"self", {1, 0}, MemberState::alive, {1, 0}},  // as we are: not sent
      {"b", {1, 1}, MemberState::alive, {1, 0}},     // newer than ours: pull
      {"c", {1, 1}, MemberState::alive, {1, 0}},     // older than ours: send
      {"f", {1, 0}, MemberState::alive, {1, 0}},     // unknown to us: pull
      {"z", {1, 0}, MemberState::dead, {1, 0}},      // dead and unknown: ignore
      {"g", {1, 0}, MemberState::alive, {1, 4}},     // they may hold the set: pull
      {"h", {1, 0}, MemberState::dead, {1, 0}},      // the same
  };
  p.anti_entropy.on_sync_summary(kT0 + 1s, p.from("b", theirs));
  const auto sent = p.sent();
  const auto pulls = of_type(sent, MessageType::sync_pull);
  ASSERT_EQ(pulls.size(), 1u);
  EXPECT_EQ(pulls[0].to, "sim://b");
  EXPECT_EQ(pulls[0].body<wire::SyncPull>().names, (std::vector<std::string>{"b", "f", "g"}));
  const auto records = of_type(sent, MessageType::sync_records);
  ASSERT_EQ(records.size(), 1u);
  std::vector<std::string> names;
  for (const auto& r : records[0].body<wire::SyncRecords>().records)
    names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"c", "d", "e"}));
  EXPECT_EQ(sent.size(), 2u);
}

TEST(AntiEntropy, SummaryHoldingUsWrongIsRefutedAndAnsweredWithOurRecord) {
  Parts p;
  wire::SyncSummary theirs;
  theirs.entries = {{"self", {1, 0}, MemberState::suspect, {1, 0}}};
  p.anti_entropy.on_sync_summary(kT0, p.from("b", theirs));
  EXPECT_EQ(p.ctx.me().incarnation, (Incarnation{1, 1}));
  EXPECT_EQ(p.ctx.stats.refutations, 1u);
  const auto r = p.records_sent_to("sim://b");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].name, "self");
  EXPECT_EQ(r[0].incarnation, (Incarnation{1, 1}));
  EXPECT_EQ(r[0].state, MemberState::alive);

  // A summary without us: we send ourselves.
  p.anti_entropy.on_sync_summary(kT0, p.from("b", wire::SyncSummary{}));
  const auto again = p.records_sent_to("sim://b");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].name, "self");
}

TEST(AntiEntropy, PullIsAnsweredWithFullRecordsOfWhatWeHold) {
  auto params = ProtocolParams::lan();
  params.payload_budget_bytes = 300;  // b's set is too large for news
  Parts p(params);
  auto b = member("b");
  auto s = service("payments", "b1");
  s.meta["pad"] = std::string(500, 'x');
  b.services = {s};
  p.put(b);
  p.add("d", MemberState::dead);
  p.anti_entropy.on_sync_pull(p.from("x", wire::SyncPull{{"b", "nobody", "d"}}));
  const auto records = p.records_sent_to("sim://x");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].name, "b");
  EXPECT_EQ(records[0].services, b.services) << "whole sets, whatever their size";
  EXPECT_EQ(records[1].name, "d");
  EXPECT_EQ(records[1].state, MemberState::dead);
  p.anti_entropy.on_sync_pull(p.from("x", wire::SyncPull{{"nobody"}}));
  EXPECT_TRUE(p.sent().empty());
}

TEST(AntiEntropy, SyncRecordsAreAppliedAsLearntThroughASync) {
  Parts p;
  p.add("b");
  wire::SyncRecords records{
      {record("b", MemberState::dead, {1, 0}, "x"), record("n", MemberState::alive, {1, 0})}};
  p.anti_entropy.on_sync_records(kT0, p.from("x", records));
  EXPECT_EQ(p.ctx.table.find("b")->state, MemberState::suspect) << "a sync's death: suspected";
  ASSERT_NE(p.ctx.table.find("n"), nullptr);
  EXPECT_FALSE(p.ctx.broadcasts.contains("n")) << "a third party's record: not re-announced";
}

// --- senders we do not know or hold dead -----------------------------------------

TEST(AntiEntropy, UnknownSenderIsSyncedWithAtMostOnceAProbeInterval) {
  Parts p;
  const auto t = kT0 + 5s;
  p.anti_entropy.check_sender(t, p.from("z", wire::Ping{"self"}).header);
  EXPECT_EQ(sync_reqs(p), Endpoints{"sim://z"});
  p.anti_entropy.check_sender(t + 999ms, p.from("z", wire::Ping{"self"}).header);
  EXPECT_TRUE(p.sent().empty());
  p.anti_entropy.check_sender(t + 1s, p.from("z", wire::Ping{"self"}).header);
  EXPECT_EQ(sync_reqs(p), Endpoints{"sim://z"});
  // A sync with it under way: nothing more.
  p.anti_entropy.check_sender(t + 5s, p.from("y", wire::SyncReq{}).header);
  p.anti_entropy.check_sender(t + 5s, p.from("y", wire::SyncSummary{}).header);
  p.anti_entropy.check_sender(t + 5s, p.from("y", wire::SyncRecords{}).header);
  EXPECT_TRUE(p.sent().empty());
}

TEST(AntiEntropy, DeadSenderIsToldItIsDeadAtMostOnceAProbeInterval) {
  Parts p;
  p.add("d", MemberState::dead);
  const auto t = kT0 + 5s;
  p.anti_entropy.check_sender(t, p.from("d", wire::Ping{"self"}).header);
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, "sim://d");
  EXPECT_EQ(sent[0].type(), MessageType::gossip);
  ASSERT_EQ(sent[0].msg.news.size(), 1u);
  EXPECT_EQ(sent[0].msg.news[0].name, "d");
  EXPECT_EQ(sent[0].msg.news[0].state, MemberState::dead);
  p.anti_entropy.check_sender(t + 999ms, p.from("d", wire::Ping{"self"}).header);
  EXPECT_TRUE(p.sent().empty());
  p.anti_entropy.check_sender(t + 1s, p.from("d", wire::Ping{"self"}).header);
  EXPECT_EQ(of_type(p.sent(), MessageType::gossip).size(), 1u);
}

TEST(AntiEntropy, SenderInALaterLifeIsSyncedWithNotToldItIsDead) {
  Parts p;
  p.add("d", MemberState::dead, {1, 0});
  p.add("l", MemberState::left, {1, 1});
  auto reborn = p.from("d", wire::Ping{"self"}).header;
  reborn.sender_incarnation = {2, 0};
  p.anti_entropy.check_sender(kT0, reborn);
  EXPECT_EQ(sync_reqs(p), Endpoints{"sim://d"});
  // One that left is left alone, unless it is back in a later life.
  p.anti_entropy.check_sender(kT0, p.from("l", wire::Ping{"self"}).header);
  EXPECT_TRUE(p.sent().empty());
  auto back = p.from("l", wire::Ping{"self"}).header;
  back.sender_incarnation = {2, 0};
  p.anti_entropy.check_sender(kT0, back);
  EXPECT_EQ(sync_reqs(p), Endpoints{"sim://l"});
}

TEST(AntiEntropy, LiveSenderOrLeavingNodeNeedsNothing) {
  Parts p;
  p.add("b");
  p.anti_entropy.check_sender(kT0, p.from("b", wire::Ping{"self"}).header);
  p.ctx.leaving = true;
  p.anti_entropy.check_sender(kT0, p.from("z", wire::Ping{"self"}).header);
  EXPECT_TRUE(p.sent().empty());
}

// --- joining -----------------------------------------------------------------------

TEST(AntiEntropy, JoinAsksEverySeedEverySecondThenBacksOffToTheMaximum) {
  Parts p;  // join_retry_max 30 s
  p.anti_entropy.start(kT0);
  p.anti_entropy.join(kT0, {"sim://s1", "sim://self", "sim://s2"});
  EXPECT_FALSE(p.anti_entropy.joined());
  std::vector<TimePoint> attempts;
  auto record_attempt = [&](TimePoint t) {
    const auto sent = p.sent();
    if (sent.empty()) return;
    std::vector<std::string> to;
    for (const auto& s : sent) {
      EXPECT_EQ(s.type(), MessageType::sync_req);
      EXPECT_TRUE(s.body<wire::SyncReq>().join);
      ASSERT_FALSE(s.msg.news.empty()) << "a join request carries the joiner's record";
      EXPECT_EQ(s.msg.news[0].name, "self");
      EXPECT_TRUE(s.msg.news[0].services.has_value());
      to.push_back(s.to);
    }
    EXPECT_EQ(to, (Endpoints{"sim://s1", "sim://s2"})) << "every seed but ourselves";
    attempts.push_back(t);
  };
  record_attempt(kT0);
  for (auto t = kT0 + 10ms; t <= kT0 + 200s; t += 10ms) {
    p.anti_entropy.join_tick(t);
    record_attempt(t);
  }
  // 30 attempts about a second apart (jittered in [0.75 s, 1.25 s)), then
  // waits of 1, 2, 4, 8, 16 s and 30 s (the ceiling).
  ASSERT_GE(attempts.size(), 36u);
  for (std::size_t i = 1; i < 30; ++i) {
    EXPECT_GE(attempts[i] - attempts[i - 1], 750ms) << i;
    EXPECT_LE(attempts[i] - attempts[i - 1], 1260ms) << i;
  }
  std::vector<Duration> waits;
  for (std::size_t i = 30; i < attempts.size(); ++i)
    waits.push_back(attempts[i] - attempts[i - 1]);
  const std::vector<Duration> backoff{1s, 2s, 4s, 8s, 16s, 30s};
  ASSERT_GE(waits.size(), backoff.size());
  for (std::size_t i = 0; i < backoff.size(); ++i)
    EXPECT_EQ(waits[i], backoff[i]) << i;
  EXPECT_FALSE(p.anti_entropy.joined());
}

TEST(AntiEntropy, JoinStopsOnceSomeoneIsKnown) {
  Parts p;
  p.anti_entropy.start(kT0);
  const auto sync_due = p.anti_entropy.deadline();
  p.anti_entropy.join(kT0, {"sim://s1"});
  EXPECT_EQ(sync_reqs(p, true), Endpoints{"sim://s1"});
  EXPECT_GE(p.anti_entropy.deadline(), kT0 + 750ms) << "the next attempt";
  EXPECT_LT(p.anti_entropy.deadline(), kT0 + 1250ms) << "the next attempt";
  p.add("s1", MemberState::alive, {1, 0}, kT0 + 500ms);  // the seed answered
  p.anti_entropy.join_tick(kT0 + 1250ms);
  EXPECT_TRUE(p.anti_entropy.joined());
  EXPECT_TRUE(p.sent().empty());
  EXPECT_EQ(p.anti_entropy.deadline(), sync_due) << "only the periodic sync is left";
}

TEST(AntiEntropy, JoinWithoutOtherSeedsStartsACluster) {
  for (const auto& seeds : {Endpoints{}, Endpoints{"sim://self"}}) {
    Parts p;
    p.anti_entropy.join(kT0, seeds);
    EXPECT_TRUE(p.anti_entropy.joined());
    EXPECT_TRUE(p.sent().empty());
  }
}

// --- periodic sync and re-merging ---------------------------------------------------

TEST(AntiEntropy, SyncsWithARandomMemberEverySyncInterval) {
  Parts p;  // sync_interval 30 s, the first jittered by up to one more
  p.anti_entropy.start(kT0);
  for (const auto* n : {"b", "c", "d"})
    p.add(n);
  const auto first = p.anti_entropy.deadline();
  EXPECT_GE(first, kT0 + 30s);
  EXPECT_LT(first, kT0 + 60s);
  p.anti_entropy.sync_tick(first - 1ns);
  EXPECT_TRUE(p.sent().empty());
  p.anti_entropy.sync_tick(first);
  const auto to = sync_reqs(p);
  ASSERT_EQ(to.size(), 1u);
  EXPECT_NE(to[0], "sim://self");
  EXPECT_EQ(p.anti_entropy.deadline(), first + 30s);
  p.ctx.leaving = true;
  p.anti_entropy.sync_tick(first + 30s);
  EXPECT_TRUE(p.sent().empty()) << "a leaving node syncs no more";
}

TEST(AntiEntropy, SyncIntervalStretchesPast32Members) {
  // memberlist's scale: ceil(log2 n - log2 32) + 1 times the interval.
  //   32 live: 30 s;  33 live: ceil(5.04 - 5) + 1 = 2 -> 60 s;  64: 60 s;  65: 90 s.
  for (const auto& [live, interval] :
       std::vector<std::pair<int, Duration>>{{32, 30s}, {33, 60s}, {64, 60s}, {65, 90s}}) {
    SCOPED_TRACE(std::to_string(live) + " live");
    Parts p;
    for (int i = 1; i < live; ++i)
      p.add("m" + std::to_string(i));
    p.anti_entropy.start(kT0);
    const auto first = p.anti_entropy.deadline();
    p.anti_entropy.sync_tick(first);
    EXPECT_EQ(p.anti_entropy.deadline(), first + interval);
  }
}

TEST(AntiEntropy, AfterAPauseSyncsWithALiveMemberAtOnce) {
  Parts p;
  p.add("b");
  p.add("d", MemberState::dead);
  p.anti_entropy.start(kT0);
  p.anti_entropy.on_pause(kT0 + 10s);
  EXPECT_EQ(sync_reqs(p), Endpoints{"sim://b"});
  p.ctx.leaving = true;
  p.anti_entropy.on_pause(kT0 + 20s);
  EXPECT_TRUE(p.sent().empty());
}

TEST(AntiEntropy, NobodyToSyncWithSendsNothing) {
  Parts p;
  p.anti_entropy.start(kT0);
  p.anti_entropy.sync_tick(p.anti_entropy.deadline());
  EXPECT_TRUE(p.sent().empty());
}

// Runs housekeeping once a second through `span`; returns the seconds after
// kT0 at which a sync request went to `endpoint`.
std::vector<int> housekeep_for(Parts& p, Duration span, std::string_view endpoint) {
  std::vector<int> at;
  for (auto t = kT0; t <= kT0 + span; t += 1s) {
    p.anti_entropy.housekeep(t);
    for (const auto& to : sync_reqs(p)) {
      if (to == endpoint) at.push_back(static_cast<int>((t - kT0) / 1s));
    }
  }
  return at;
}

TEST(AntiEntropy, ReconnectsToADeadMemberEveryReconnectInterval) {
  Parts p;  // reconnect_interval 30 s, the first jittered by up to one more
  p.add("b");
  p.add("d", MemberState::dead);
  p.anti_entropy.start(kT0);
  const auto at = housekeep_for(p, 150s, "sim://d");
  ASSERT_GE(at.size(), 3u);
  EXPECT_GE(at[0], 30);
  EXPECT_LE(at[0], 60);
  for (std::size_t i = 1; i < at.size(); ++i)
    EXPECT_EQ(at[i] - at[i - 1], 30);
}

TEST(AntiEntropy, NoDeadMemberNoReconnect) {
  Parts p;
  p.add("b");
  p.add("l", MemberState::left);
  p.anti_entropy.start(kT0);
  EXPECT_TRUE(housekeep_for(p, 150s, "sim://l").empty());
  EXPECT_EQ(p.ctx.stats.syncs, 0u);
}

// Joins through sim://seed and meets b, c and d: four live at most.
void join_and_meet_three(Parts& p) {
  p.anti_entropy.start(kT0);
  p.anti_entropy.join(kT0, {"sim://seed"});
  p.sent();
  for (const auto* n : {"b", "c", "d"})
    p.add(n);
  p.anti_entropy.join_tick(kT0);
  ASSERT_TRUE(p.anti_entropy.joined());
  ASSERT_EQ(p.merger.live_high_water(), 4u);
}

TEST(AntiEntropy, RejoinsASeedWhileFewerMembersAreLiveThanOnce) {
  auto params = ProtocolParams::lan();  // rejoin_interval 30 s
  params.reconnect_interval = 1000h;    // keep reconnects out of the picture
  Parts all_there(params);
  join_and_meet_three(all_there);
  EXPECT_TRUE(housekeep_for(all_there, 40s, "sim://seed").empty()) << "nobody missing";

  Parts one_dead(params);
  join_and_meet_three(one_dead);
  one_dead.add("d", MemberState::dead);  // 3 live of the 4 once seen
  EXPECT_EQ(housekeep_for(one_dead, 100s, "sim://seed"), (std::vector<int>{30, 60, 90}));

  Parts one_left(params);
  join_and_meet_three(one_left);
  one_left.merger.apply(kT0, record("d", MemberState::left, {1, 1}), Merger::Origin::gossip,
                        "sim://d");
  EXPECT_TRUE(housekeep_for(one_left, 40s, "sim://seed").empty()) << "d is not missed";
}

}  // namespace
}  // namespace hearsay::membership
