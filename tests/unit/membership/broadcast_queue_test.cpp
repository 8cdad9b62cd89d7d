#include "membership/broadcast_queue.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hearsay::membership {

using wire::Bytes;
namespace {

// The queue treats items as opaque bytes: a tag byte (to tell them apart)
// padded to the wanted size.
Bytes item(std::uint8_t tag, std::size_t size) {
  Bytes b(size, 0);
  b[0] = tag;
  return b;
}

std::vector<std::uint8_t> tags(const std::vector<Bytes>& taken) {
  std::vector<std::uint8_t> out;
  for (const auto& b : taken)
    out.push_back(b.at(0));
  return out;
}

constexpr int kNoLimit = 1000;

TEST(BroadcastQueue, EmptyQueueGivesNothing) {
  BroadcastQueue q;
  EXPECT_EQ(q.size(), 0u);
  EXPECT_FALSE(q.contains("a"));
  EXPECT_TRUE(q.take(1400, 4).empty());
}

TEST(BroadcastQueue, EnqueueAddsByKey) {
  BroadcastQueue q;
  q.enqueue("a", item(1, 50));
  q.enqueue("b", item(2, 50));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_TRUE(q.contains("a"));
  EXPECT_TRUE(q.contains("b"));
  EXPECT_FALSE(q.contains("c"));
}

TEST(BroadcastQueue, NewerItemReplacesTheQueuedOneForItsKey) {
  BroadcastQueue q;
  q.enqueue("a", item(1, 50));
  q.enqueue("a", item(2, 60));
  EXPECT_EQ(q.size(), 1u);
  const auto out = q.take(1400, kNoLimit);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], item(2, 60));
}

TEST(BroadcastQueue, ReplacingResetsTheTransmitCount) {
  BroadcastQueue q;
  q.enqueue("a", item(1, 50));
  EXPECT_EQ(q.take(1400, 2).size(), 1u);  // sent once of 2
  q.enqueue("a", item(2, 50));            // fresh news about a
  EXPECT_EQ(tags(q.take(1400, 2)), std::vector<std::uint8_t>{2});
  EXPECT_TRUE(q.contains("a")) << "the new item has been sent once, not twice";
  EXPECT_EQ(tags(q.take(1400, 2)), std::vector<std::uint8_t>{2});
  EXPECT_FALSE(q.contains("a"));
}

TEST(BroadcastQueue, TakeRespectsTheByteBudget) {
  BroadcastQueue q;
  for (std::uint8_t t = 1; t <= 5; ++t)
    q.enqueue(std::string(1, static_cast<char>('a' + t)), item(t, 100));
  struct Case {
    std::size_t budget;
    std::size_t items;
  };
  for (const auto& c : std::vector<Case>{{99, 0}, {100, 1}, {250, 2}, {300, 3}, {10000, 5}}) {
    BroadcastQueue copy = q;
    const auto out = copy.take(c.budget, kNoLimit);
    std::size_t used = 0;
    for (const auto& b : out)
      used += b.size();
    EXPECT_LE(used, c.budget);
    EXPECT_EQ(out.size(), c.items) << "budget " << c.budget;
  }
}

TEST(BroadcastQueue, NewestFirstAmongEquals) {
  BroadcastQueue q;
  q.enqueue("a", item(1, 100));
  q.enqueue("b", item(2, 100));
  q.enqueue("c", item(3, 100));
  // Room for one: the newest.
  EXPECT_EQ(tags(q.take(150, kNoLimit)), std::vector<std::uint8_t>{3});
  // Order inside one message is priority order: newest to oldest.
  BroadcastQueue r;
  r.enqueue("a", item(1, 10 + 16));
  r.enqueue("b", item(2, 10 + 16));
  r.enqueue("c", item(3, 10 + 16));
  EXPECT_EQ(tags(r.take(1400, kNoLimit)), (std::vector<std::uint8_t>{3, 2, 1}));
}

TEST(BroadcastQueue, PrefersFewestTransmissions) {
  BroadcastQueue q;
  q.enqueue("a", item(1, 100));
  q.enqueue("b", item(2, 100));
  EXPECT_EQ(tags(q.take(150, kNoLimit)), std::vector<std::uint8_t>{2});  // newest
  EXPECT_EQ(tags(q.take(150, kNoLimit)), std::vector<std::uint8_t>{1});  // never sent beats newer
  EXPECT_EQ(tags(q.take(150, kNoLimit)), std::vector<std::uint8_t>{2});  // both once: newest
  // A new item jumps ahead of everything already sent.
  q.enqueue("c", item(3, 100));
  EXPECT_EQ(tags(q.take(150, kNoLimit)), std::vector<std::uint8_t>{3});
  // Room for two: c and a (sent once each, c newer) before b (sent twice).
  EXPECT_EQ(tags(q.take(250, kNoLimit)), (std::vector<std::uint8_t>{3, 1}));
}

TEST(BroadcastQueue, RetiresItemsAfterLimitTransmissions) {
  BroadcastQueue q;
  q.enqueue("a", item(1, 100));
  for (int sent = 1; sent <= 3; ++sent) {
    ASSERT_TRUE(q.contains("a")) << "after " << sent - 1 << " sends";
    EXPECT_EQ(q.take(1400, 3).size(), 1u);
  }
  EXPECT_FALSE(q.contains("a"));
  EXPECT_EQ(q.size(), 0u);
  EXPECT_TRUE(q.take(1400, 3).empty());
}

TEST(BroadcastQueue, LimitOfOneSendsOnce) {
  BroadcastQueue q;
  q.enqueue("a", item(1, 100));
  q.enqueue("b", item(2, 100));
  EXPECT_EQ(q.take(1400, 1).size(), 2u);
  EXPECT_EQ(q.size(), 0u);
}

TEST(BroadcastQueue, ItemOverBudgetIsSkippedButSmallerOnesGo) {
  BroadcastQueue q;
  q.enqueue("small-old", item(1, 100));
  q.enqueue("big", item(2, 500));        // newest: first in priority, but too big
  q.enqueue("small-new", item(3, 100));  // newer still
  q.enqueue("huge", item(4, 5000));      // newest of all, never fits
  const auto out = q.take(400, kNoLimit);
  EXPECT_EQ(tags(out), (std::vector<std::uint8_t>{3, 1}));
  // Skipped items are not counted as sent and stay queued.
  EXPECT_TRUE(q.contains("big"));
  EXPECT_TRUE(q.contains("huge"));
  EXPECT_EQ(q.size(), 4u);
  // With a larger budget the big one goes first: it has 0 transmissions (and
  // the 100-byte items, sent once, no longer fit beside it).
  EXPECT_EQ(tags(q.take(550, kNoLimit)), std::vector<std::uint8_t>{2});
}

TEST(BroadcastQueue, SkippedItemsDoNotAgeTowardsTheLimit) {
  BroadcastQueue q;
  q.enqueue("big", item(1, 500));
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(q.take(100, 2).empty());
  EXPECT_TRUE(q.contains("big"));
  EXPECT_EQ(q.take(1000, 2).size(), 1u);
  EXPECT_TRUE(q.contains("big"));
}

TEST(BroadcastQueue, ClearEmptiesIt) {
  BroadcastQueue q;
  q.enqueue("a", item(1, 10));
  q.enqueue("b", item(2, 10));
  q.clear();
  EXPECT_EQ(q.size(), 0u);
  EXPECT_FALSE(q.contains("a"));
  EXPECT_TRUE(q.take(1400, 4).empty());
  q.enqueue("a", item(3, 10));  // still usable
  EXPECT_EQ(tags(q.take(1400, 4)), std::vector<std::uint8_t>{3});
}

}  // namespace
}  // namespace hearsay::membership
