// BroadcastQueue micro-benchmarks: queueing a burst of news (1,000 members
// changed at once, e.g. a partition heals) and filling one message's 1,400-byte
// piggyback budget from it.
#include <benchmark/benchmark.h>

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "membership/broadcast_queue.hpp"
#include "membership/wire/codec.hpp"

namespace {

using namespace hearsay;
using membership::wire::Bytes;

constexpr std::size_t kBudget = 1400;  // Config::payload_budget_bytes

// Keys and encoded records of `count` alive members (about 60 bytes each).
struct News {
  std::vector<std::string> keys;
  std::vector<Bytes> bytes;
};

News make_news(std::size_t count) {
  News n;
  for (std::size_t i = 0; i < count; ++i) {
    membership::wire::MemberRecord r;
    r.name = "node-" + std::to_string(i);
    r.endpoint = "tcp://10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ":7946";
    r.incarnation = {1'700'000'000'000 + i, 1};
    r.services_version = r.incarnation;
    n.keys.push_back(r.name);
    n.bytes.push_back(membership::wire::encode_record(r));
  }
  return n;
}

void BM_BroadcastQueueEnqueue(benchmark::State& state) {
  const auto news = make_news(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    membership::BroadcastQueue q;
    for (std::size_t i = 0; i < news.keys.size(); ++i)
      q.enqueue(news.keys[i], news.bytes[i]);
    benchmark::DoNotOptimize(q.size());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BroadcastQueueEnqueue)->Arg(1000);

// One take() from a queue that stays at `range(0)` items (no item retires).
void BM_BroadcastQueueTake(benchmark::State& state) {
  const auto news = make_news(static_cast<std::size_t>(state.range(0)));
  membership::BroadcastQueue q;
  for (std::size_t i = 0; i < news.keys.size(); ++i)
    q.enqueue(news.keys[i], news.bytes[i]);
  std::size_t taken = 0;
  for (auto _ : state) {
    auto items = q.take(kBudget, INT_MAX);
    taken = items.size();
    benchmark::DoNotOptimize(items);
  }
  state.counters["items_per_message"] = static_cast<double>(taken);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(taken));
}
BENCHMARK(BM_BroadcastQueueTake)->Arg(1000);

// Enqueue 1,000 items, then take() until every item reached its transmit
// limit (retransmit_mult 4 * ceil(log10(1001)) = 16 sends each).
void BM_BroadcastQueueDrain(benchmark::State& state) {
  const auto news = make_news(static_cast<std::size_t>(state.range(0)));
  constexpr int kLimit = 16;
  std::size_t messages = 0;
  for (auto _ : state) {
    membership::BroadcastQueue q;
    for (std::size_t i = 0; i < news.keys.size(); ++i)
      q.enqueue(news.keys[i], news.bytes[i]);
    messages = 0;
    while (q.size() > 0) {
      benchmark::DoNotOptimize(q.take(kBudget, kLimit));
      ++messages;
    }
  }
  state.counters["messages"] = static_cast<double>(messages);
}
BENCHMARK(BM_BroadcastQueueDrain)->Arg(1000);

}  // namespace
