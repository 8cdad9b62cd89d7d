// Codec micro-benchmarks: the messages every node encodes and decodes most
// (a ping with and without piggybacked news) and the largest routine one (an
// anti-entropy summary of a 1,000-member cluster).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "membership/wire/codec.hpp"

namespace {

using namespace hearsay;
using membership::wire::Bytes;

constexpr std::uint64_t kGeneration = 1'700'000'000'000;

membership::wire::Header ping_header() {
  membership::wire::Header h;
  h.cluster_id = "default";
  h.type = membership::wire::MessageType::ping;
  h.seq = 4711;
  h.sender = "orders-7";
  h.sender_endpoint = "tcp://10.0.0.7:7946";
  h.sender_incarnation = {kGeneration, 3};
  h.digest = 0x9e3779b97f4a7c15ULL;
  return h;
}

// A typical news item: an alive member with one small service.
membership::wire::MemberRecord news_record(std::size_t i) {
  const auto n = std::to_string(i);
  membership::wire::MemberRecord r;
  r.name = "node-" + n;
  r.endpoint = "tcp://10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ":7946";
  r.incarnation = {kGeneration + i, 1};
  r.state = MemberState::alive;
  r.services_version = {kGeneration + i, 1};
  Service s;
  s.name = "web";
  s.id = "web-" + n;
  s.endpoint = "http://10.0.0." + std::to_string(i % 250) + ":80";
  s.tags = {"v2"};
  s.meta = {{"zone", "a"}};
  r.services = std::vector<Service>{s};
  return r;
}

std::vector<Bytes> encoded_news(std::size_t count) {
  std::vector<Bytes> news;
  for (std::size_t i = 0; i < count; ++i)
    news.push_back(membership::wire::encode_record(news_record(i)));
  return news;
}

void BM_EncodePing(benchmark::State& state) {
  const auto header = ping_header();
  const membership::wire::Body body = membership::wire::Ping{"payments-3"};
  const auto news = encoded_news(static_cast<std::size_t>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto out = membership::wire::encode(header, body, news);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["message_bytes"] = static_cast<double>(bytes);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_EncodePing)->Arg(0)->Arg(10);

void BM_DecodePing(benchmark::State& state) {
  const auto news = encoded_news(static_cast<std::size_t>(state.range(0)));
  const auto wire =
      membership::wire::encode(ping_header(), membership::wire::Ping{"payments-3"}, news);
  for (auto _ : state) {
    auto result = membership::wire::decode(wire, "default");
    if (!result.ok()) state.SkipWithError("decode rejected a valid ping");
    benchmark::DoNotOptimize(result);
  }
  state.counters["message_bytes"] = static_cast<double>(wire.size());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
}
BENCHMARK(BM_DecodePing)->Arg(0)->Arg(10);

membership::wire::SyncSummary summary(std::size_t members) {
  membership::wire::SyncSummary s;
  s.reply = true;
  for (std::size_t i = 0; i < members; ++i) {
    membership::wire::SummaryEntry e;
    e.name = "node-" + std::to_string(i);
    e.incarnation = {kGeneration + i, i % 7};
    e.state = i % 50 == 0 ? MemberState::dead : MemberState::alive;
    e.services_version = {kGeneration + i, 1};
    s.entries.push_back(std::move(e));
  }
  return s;
}

membership::wire::Header summary_header() {
  auto h = ping_header();
  h.type = membership::wire::MessageType::sync_summary;
  return h;
}

void BM_EncodeSyncSummary(benchmark::State& state) {
  const auto header = summary_header();
  const membership::wire::Body body = summary(static_cast<std::size_t>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto out = membership::wire::encode(header, body, {});
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["message_bytes"] = static_cast<double>(bytes);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_EncodeSyncSummary)->Arg(1000);

void BM_DecodeSyncSummary(benchmark::State& state) {
  const auto wire = membership::wire::encode(summary_header(),
                                             summary(static_cast<std::size_t>(state.range(0))), {});
  for (auto _ : state) {
    auto result = membership::wire::decode(wire, "default");
    if (!result.ok()) state.SkipWithError("decode rejected a valid summary");
    benchmark::DoNotOptimize(result);
  }
  state.counters["message_bytes"] = static_cast<double>(wire.size());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
}
BENCHMARK(BM_DecodeSyncSummary)->Arg(1000);

}  // namespace
