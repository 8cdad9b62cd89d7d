#include "membership/broadcast_queue.hpp"

namespace hearsay::membership {

using wire::Bytes;

void BroadcastQueue::enqueue(std::string key, Bytes encoded) {
  if (auto it = items_.find(key); it != items_.end()) {
    order_.erase(order_of(it->first, it->second));
    bytes_ -= it->second.bytes.size();
    items_.erase(it);
  }
  bytes_ += encoded.size();
  Item item{std::move(encoded), 0, next_id_++};
  order_.insert(order_of(key, item));
  items_.emplace(std::move(key), std::move(item));
}

std::vector<Bytes> BroadcastQueue::take(std::size_t budget_bytes, int limit) {
  std::vector<Bytes> out;
  std::vector<std::string> chosen;
  std::size_t used = 0;
  int skipped = 0;  // bound the scan when the budget is nearly full
  for (const auto& [transmits, id, key] : order_) {
    const auto& item = items_.find(key)->second;
    if (used + item.bytes.size() > budget_bytes) {
      if (++skipped > 16) break;
      continue;
    }
    used += item.bytes.size();
    out.push_back(item.bytes);
    chosen.push_back(key);
    if (used + 16 > budget_bytes) break;  // nothing useful fits any more
  }
  for (const auto& key : chosen)
    count_transmit(items_.find(key), limit);
  return out;
}

void BroadcastQueue::heard_again(std::string_view key, int limit, std::size_t budget_bytes) {
  if (bytes_ <= budget_bytes) return;
  if (auto it = items_.find(key); it != items_.end()) count_transmit(it, limit);
}

void BroadcastQueue::count_transmit(Items::iterator it, int limit) {
  order_.erase(order_of(it->first, it->second));
  if (++it->second.transmits >= limit) {
    bytes_ -= it->second.bytes.size();
    items_.erase(it);
  } else {
    order_.insert(order_of(it->first, it->second));
  }
}

void BroadcastQueue::clear() {
  bytes_ = 0;
  items_.clear();
  order_.clear();
}

}  // namespace hearsay::membership
