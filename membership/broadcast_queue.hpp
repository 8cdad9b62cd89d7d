// BroadcastQueue: news waiting to be piggybacked (memberlist's
// TransmitLimitedQueue).
//
// Each item is one encoded MemberRecord keyed by member name; a newer item
// about a member replaces the queued one. take() fills one message's payload
// budget with the items sent fewest times so far (newest first among equals),
// counts a transmission for each, and retires items that reached the limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "membership/wire/codec.hpp"

namespace hearsay::membership {

class BroadcastQueue {
 public:
  void enqueue(std::string key, wire::Bytes encoded);
  // Items for one message within `budget_bytes`; each sent at most `limit` times.
  std::vector<wire::Bytes> take(std::size_t budget_bytes, int limit);
  // Rumor-mongering feedback (Demers et al.): while the queue holds more
  // than one message's budget, hearing our news back from a peer counts like
  // a transmission, so well-known news retires early and fresh news is not
  // starved behind a backlog. Without a backlog it changes nothing: full
  // retransmission then reaches stragglers better.
  void heard_again(std::string_view key, int limit, std::size_t budget_bytes);
  std::size_t bytes() const { return bytes_; }
  bool contains(std::string_view key) const { return items_.find(key) != items_.end(); }
  std::size_t size() const { return items_.size(); }
  void clear();

 private:
  struct Item {
    wire::Bytes bytes;
    int transmits = 0;
    std::uint64_t id = 0;
  };
  // (transmits, newest first, key): iteration order is send priority.
  using Order = std::tuple<int, std::uint64_t, std::string>;
  static Order order_of(const std::string& key, const Item& item) {
    return {item.transmits, ~item.id, key};
  }

  using Items = std::map<std::string, Item, std::less<>>;
  // One more transmission; retires the item at `limit`.
  void count_transmit(Items::iterator it, int limit);

  Items items_;
  std::set<Order> order_;
  std::uint64_t next_id_ = 0;
  std::size_t bytes_ = 0;  // sum of queued items' sizes
};

}  // namespace hearsay::membership
