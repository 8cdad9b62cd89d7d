// Outbox: the header every message carries, news piggybacked from the
// broadcast queue, the buddy record, counting, and anti-entropy chunking.
#include "membership/outbox.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "part_fixture.hpp"

namespace hearsay::membership {
namespace {

using namespace fixture;

// Encoded news about `name` (alive, incarnation {1, 0}).
wire::Bytes news_about(std::string_view name) {
  return wire::encode_record(record(name, MemberState::alive));
}

TEST(Outbox, HeaderSaysWhoWeAreAndCarriesOurDigest) {
  Parts p;
  p.add("b");
  p.out.send("sim://b", MessageType::ping, 42, wire::Ping{"b"}, false);
  auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, "sim://b");
  const auto& h = sent[0].msg.header;
  EXPECT_EQ(h.cluster_id, "default");
  EXPECT_EQ(h.type, MessageType::ping);
  EXPECT_EQ(h.seq, 42u);
  EXPECT_EQ(h.sender, "self");
  EXPECT_EQ(h.sender_endpoint, "sim://self");
  EXPECT_EQ(h.sender_incarnation, (Incarnation{1, 0}));
  EXPECT_NE(h.digest, 0u);
  EXPECT_EQ(h.digest, p.ctx.table.digest());
  EXPECT_EQ(sent[0].msg.body, wire::Body{wire::Ping{"b"}});
  EXPECT_TRUE(sent[0].msg.news.empty());

  // The header is written when the message is sent: a later incarnation and
  // view show in the next one.
  const auto digest_before = h.digest;
  p.merger.bump_self(kT0);
  p.add("c");
  p.out.send("sim://b", MessageType::ack, 43, wire::Ack{}, false);
  sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.header.sender_incarnation, (Incarnation{1, 1}));
  EXPECT_NE(sent[0].msg.header.digest, digest_before);
  EXPECT_EQ(sent[0].msg.header.digest, p.ctx.table.digest());
}

TEST(Outbox, SequenceNumbersNeverRepeat) {
  Parts p;
  EXPECT_EQ(p.out.next_seq(), 1u);
  EXPECT_EQ(p.out.next_seq(), 2u);
  p.out.send_news("sim://b", {});
  p.out.send_summary("sim://b");
  EXPECT_EQ(p.out.next_seq(), 5u) << "send_news and send_summary draw their own";
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].msg.header.seq, 3u);
  EXPECT_EQ(sent[1].msg.header.seq, 4u);
}

TEST(Outbox, PiggybackFillsThePayloadBudgetFromTheQueue) {
  const auto one = news_about("n0").size();  // every "nX" record encodes the same
  auto params = ProtocolParams::lan();
  params.payload_budget_bytes = 3 * one + 10;  // room for three, not four
  Parts p(params);
  for (const auto* n : {"n0", "n1", "n2", "n3", "n4"})
    p.ctx.broadcasts.enqueue(n, news_about(n));

  p.out.send("sim://b", MessageType::ack, 1, wire::Ack{}, false);
  auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].msg.news.empty()) << "no piggyback asked";

  p.out.send("sim://b", MessageType::ack, 2, wire::Ack{}, true);
  sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.news.size(), 3u);
  for (const auto& r : sent[0].msg.news)
    EXPECT_EQ(r, record(r.name, MemberState::alive)) << "the queued record, as queued";
  EXPECT_EQ(p.ctx.broadcasts.size(), 5u) << "sent once each, not yet retired";
}

TEST(Outbox, PiggybackSendsTheFewestSentNewsFirst) {
  const auto one = news_about("n0").size();
  auto params = ProtocolParams::lan();
  params.payload_budget_bytes = one + 10;  // one record per message
  Parts p(params);
  p.ctx.broadcasts.enqueue("n0", news_about("n0"));
  p.ctx.broadcasts.enqueue("n1", news_about("n1"));
  std::vector<std::string> order;
  for (std::uint32_t i = 1; i <= 4; ++i)
    p.out.send("sim://b", MessageType::gossip, i, wire::Gossip{}, true);
  for (const auto& s : p.sent()) {
    ASSERT_EQ(s.msg.news.size(), 1u);
    order.push_back(s.msg.news[0].name);
  }
  // Newest first among equals (n1), then n0 because it was sent fewer times
  // although it is older, and so on in turn.
  EXPECT_EQ(order, (std::vector<std::string>{"n1", "n0", "n1", "n0"}));
}

TEST(Outbox, BuddyRecordGoesFirstAndTakesItsShareOfTheBudget) {
  auto b = member("b", MemberState::suspect, {1, 2});
  b.from = "x";
  b.services = {service("payments", "b1")};
  // The buddy record: b as it stands (suspect), never with its services.
  const MemberRecord buddy{"b", "sim://b", {1, 2}, MemberState::suspect, "x", {1, 0}, {}};
  auto params = ProtocolParams::lan();
  params.payload_budget_bytes =
      wire::encode_record(buddy).size() + news_about("n0").size() + 10;  // the buddy and one more
  Parts p(params);
  p.put(b);
  for (const auto* n : {"n0", "n1"})
    p.ctx.broadcasts.enqueue(n, news_about(n));

  p.out.send("sim://b", MessageType::ping, 9, wire::Ping{"b"}, true, p.ctx.table.find("b"));
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  const auto& news = sent[0].msg.news;
  ASSERT_EQ(news.size(), 2u);
  EXPECT_EQ(news[0], buddy);
  EXPECT_EQ(news[1].name, "n1");
  EXPECT_EQ(p.ctx.broadcasts.size(), 2u);
}

TEST(Outbox, BuddyRecordRidesEvenWithoutPiggyback) {
  Parts p;
  p.add("b", MemberState::suspect);
  p.ctx.broadcasts.enqueue("n0", news_about("n0"));
  p.out.send("sim://b", MessageType::ping, 9, wire::Ping{"b"}, false, p.ctx.table.find("b"));
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(news_names(sent[0]), (std::vector<std::string>{"b"}));
}

// Sends piggybacked messages until `name` is no longer queued; returns how
// many carried it.
int sends_until_retired(Parts& p, std::string_view name) {
  int carried = 0;
  for (std::uint32_t i = 1; i <= 100 && p.ctx.broadcasts.contains(name); ++i) {
    p.out.send("sim://b", MessageType::gossip, i, wire::Gossip{}, true);
    for (const auto& s : p.sent())
      carried += static_cast<int>(s.msg.news.size());
  }
  return carried;
}

TEST(Outbox, RetransmitLimitRetiresNews) {
  // retransmit_mult 4 * ceil(log10(n + 1)) sends, with n the live members:
  //   n = 1 (only us): log10 2 = 0.30 -> 1 -> 4 sends;
  //   n = 9:           log10 10 = 1   -> 1 -> 4 sends;
  //   n = 10:          log10 11 = 1.04 -> 2 -> 8 sends.
  for (const auto& [others, limit] : std::map<int, int>{{0, 4}, {8, 4}, {9, 8}}) {
    SCOPED_TRACE(std::to_string(others + 1) + " live");
    Parts p;
    for (int i = 0; i < others; ++i)
      p.add("m" + std::to_string(i));
    p.ctx.broadcasts.enqueue("n0", news_about("n0"));
    EXPECT_EQ(sends_until_retired(p, "n0"), limit);
    p.out.send("sim://b", MessageType::gossip, 999, wire::Gossip{}, true);
    const auto sent = p.sent();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_TRUE(sent[0].msg.news.empty()) << "retired news is sent no more";
  }
}

TEST(Outbox, CountsMessagesByTypeBytesAndNewsSent) {
  Parts p;
  p.ctx.broadcasts.enqueue("n0", news_about("n0"));
  p.out.send("sim://b", MessageType::ping, 1, wire::Ping{"b"}, true);  // + 1 news
  p.out.send("sim://b", MessageType::ack, 2, wire::Ack{}, false);
  p.out.send("sim://c", MessageType::ack, 3, wire::Ack{}, false);
  p.out.send_news("sim://c", {news_about("n1"), news_about("n2")});  // + 2 news
  std::size_t bytes = 0;
  for (const auto& s : p.sent())
    bytes += s.bytes;
  const auto& st = p.ctx.stats;
  EXPECT_EQ(count_of(st.messages_out, MessageType::ping), 1u);
  EXPECT_EQ(count_of(st.messages_out, MessageType::ack), 2u);
  EXPECT_EQ(count_of(st.messages_out, MessageType::gossip), 1u);
  EXPECT_EQ(count_of(st.messages_out, MessageType::sync_req), 0u);
  EXPECT_EQ(st.bytes_out, bytes);
  EXPECT_EQ(st.news_sent, 3u);
}

TEST(Outbox, SendNewsCarriesExactlyTheGivenRecords) {
  Parts p;
  p.ctx.broadcasts.enqueue("n0", news_about("n0"));
  p.out.send_news("sim://b", {news_about("n1")});
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].type(), MessageType::gossip);
  EXPECT_EQ(news_names(sent[0]), (std::vector<std::string>{"n1"}));
  EXPECT_EQ(p.ctx.broadcasts.size(), 1u) << "the queue is not touched";
}

// A generation like a start-up time in ms, so numbers encode at full width.
constexpr Incarnation kWide{1'700'000'000'000, 123'456};

TEST(Outbox, SummaryListsEveryMemberWithoutNews) {
  Parts p;
  p.add("b", MemberState::alive, {1, 3});
  auto c = member("c", MemberState::dead, {1, 5});
  c.services_version = {1, 4};
  p.put(c);
  p.ctx.broadcasts.enqueue("n0", news_about("n0"));
  p.out.send_summary("sim://b");
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].type(), MessageType::sync_summary);
  EXPECT_TRUE(sent[0].msg.news.empty());
  const auto& entries = sent[0].body<wire::SyncSummary>().entries;
  EXPECT_EQ(entries, (std::vector<wire::SummaryEntry>{
                         {"b", {1, 3}, MemberState::alive, {1, 0}},
                         {"c", {1, 5}, MemberState::dead, {1, 4}},
                         {"self", {1, 0}, MemberState::alive, {1, 0}},
                     }));
}

TEST(Outbox, SummaryIsSplitUnderHalfTheMaxMessageSize) {
  auto params = ProtocolParams::lan();
  params.max_message_bytes = 1024;
  Parts p(params);
  for (int i = 0; i < 60; ++i)
    p.add("member-" + std::to_string(100 + i), MemberState::alive, kWide);
  p.out.send_summary("sim://b");
  const auto sent = p.sent();
  EXPECT_GT(sent.size(), 1u);
  std::map<std::string, int> seen;
  for (const auto& s : sent) {
    EXPECT_LE(s.bytes, 512u);
    EXPECT_EQ(s.to, "sim://b");
    for (const auto& e : s.body<wire::SyncSummary>().entries)
      ++seen[e.name];
  }
  EXPECT_EQ(seen.size(), 61u);
  for (const auto& [name, n] : seen)
    EXPECT_EQ(n, 1) << name;
}

TEST(Outbox, RecordsCarryWholeServiceSetsSplitUnderHalfTheMaxMessageSize) {
  auto params = ProtocolParams::lan();
  params.max_message_bytes = 2048;
  params.payload_budget_bytes = 300;  // far less than one set: news would go by version
  Parts p(params);
  std::vector<const Member*> members;
  for (int i = 0; i < 10; ++i) {
    auto m = member("m" + std::to_string(i), MemberState::alive, kWide);
    auto s = service("payments", "p" + std::to_string(i));
    s.meta["pad"] = std::string(250, 'x');
    m.services = {s};
    members.push_back(&p.put(m));
  }
  p.out.send_records("sim://b", members);
  const auto sent = p.sent();
  EXPECT_GT(sent.size(), 1u);
  std::vector<std::string> names;
  for (const auto& s : sent) {
    EXPECT_LE(s.bytes, 1024u);
    EXPECT_TRUE(s.msg.news.empty());
    for (const auto& r : s.body<wire::SyncRecords>().records) {
      names.push_back(r.name);
      ASSERT_TRUE(r.services.has_value()) << r.name;
      EXPECT_EQ(*r.services, p.ctx.table.find(r.name)->services);
    }
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"}))
      << "every record once, in the order asked";
}

TEST(Outbox, RecordLargerThanTheChunkLimitStillGoesAlone) {
  auto params = ProtocolParams::lan();
  params.max_message_bytes = 2048;
  Parts p(params);
  auto big = member("big");
  auto s = service("payments", "p0");
  s.meta["pad"] = std::string(1500, 'x');
  big.services = {s};
  std::vector<const Member*> members = {&p.add("a"), &p.put(big), &p.add("c")};
  p.out.send_records("sim://b", members);
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 3u);
  std::vector<std::vector<std::string>> chunks;
  for (const auto& s2 : sent) {
    chunks.emplace_back();
    for (const auto& r : s2.body<wire::SyncRecords>().records)
      chunks.back().push_back(r.name);
  }
  EXPECT_EQ(chunks, (std::vector<std::vector<std::string>>{{"a"}, {"big"}, {"c"}}));
}

}  // namespace
}  // namespace hearsay::membership
