#include "membership/outbox.hpp"

#include <utility>

#include "membership/records.hpp"

namespace hearsay::membership {

using wire::MessageType;

void Outbox::emit(const std::string& endpoint, MessageType type, std::uint32_t seq,
                  const wire::Body& body, const std::vector<wire::Bytes>& news) {
  const wire::Header h{
      ctx_.params.cluster_id, type, seq, ctx_.self.name, ctx_.self.endpoint, ctx_.me().incarnation,
      ctx_.table.digest()};
  auto bytes = wire::encode(h, body, news);
  ctx_.stats.news_sent += news.size();
  ++ctx_.stats.messages_out[static_cast<std::size_t>(type)];
  ctx_.stats.bytes_out += bytes.size();
  queue_.push_back({endpoint, std::move(bytes)});
}

void Outbox::send(const std::string& endpoint, MessageType type, std::uint32_t seq,
                  const wire::Body& body, bool piggyback, const Member* buddy) {
  std::vector<wire::Bytes> first;
  if (buddy)
    first.push_back(
        wire::encode_record(news_record(*buddy, false, ctx_.params.payload_budget_bytes)));
  send_with(endpoint, type, seq, body, std::move(first), piggyback);
}

void Outbox::send_with(const std::string& endpoint, MessageType type, std::uint32_t seq,
                       const wire::Body& body, std::vector<wire::Bytes> first, bool piggyback) {
  const auto budget = ctx_.params.payload_budget_bytes;
  std::vector<wire::Bytes> news = std::move(first);
  std::size_t used = 0;
  for (const auto& b : news)
    used += b.size();
  if (piggyback && ctx_.broadcasts.size() > 0 && used < budget) {
    for (auto& b : ctx_.broadcasts.take(budget - used, ctx_.retransmit_limit()))
      news.push_back(std::move(b));
  }
  emit(endpoint, type, seq, body, news);
}

void Outbox::send_news(const std::string& endpoint, std::vector<wire::Bytes> news) {
  emit(endpoint, MessageType::gossip, next_seq(), wire::Gossip{}, news);
}

void Outbox::send_summary(const std::string& endpoint) {
  // Entries are ~40 bytes plus the name; stay well under the size limit.
  const std::size_t limit = ctx_.params.max_message_bytes / 2;
  wire::SyncSummary chunk;
  std::size_t size = 0;
  for (const auto& [name, m] : ctx_.table.all()) {
    chunk.entries.push_back({m.name, m.incarnation, m.state, m.services_version});
    size += m.name.size() + 48;
    if (size >= limit) {
      send(endpoint, MessageType::sync_summary, next_seq(), wire::Body{std::move(chunk)}, false);
      chunk = {};
      size = 0;
    }
  }
  if (!chunk.entries.empty())
    send(endpoint, MessageType::sync_summary, next_seq(), wire::Body{std::move(chunk)}, false);
}

void Outbox::send_records(const std::string& endpoint, const std::vector<const Member*>& members) {
  const std::size_t limit = ctx_.params.max_message_bytes / 2;
  wire::SyncRecords chunk;
  std::size_t size = 0;
  for (const auto* m : members) {
    auto r = full_record(*m);
    const auto record_size = 96 + m->name.size() + m->endpoint.size() +
                             (r.services ? wire::encoded_size(*r.services) : 0);
    if (size + record_size > limit && !chunk.records.empty()) {
      send(endpoint, MessageType::sync_records, next_seq(), wire::Body{std::move(chunk)}, false);
      chunk = {};
      size = 0;
    }
    chunk.records.push_back(std::move(r));
    size += record_size;
  }
  if (!chunk.records.empty())
    send(endpoint, MessageType::sync_records, next_seq(), wire::Body{std::move(chunk)}, false);
}

std::vector<Outgoing> Outbox::take() {
  return std::exchange(queue_, {});
}

}  // namespace hearsay::membership
