// Core: building outbound messages — header, body, piggybacked news — and the
// anti-entropy messages, split so none exceeds the message size limit.
#include "membership/core.hpp"
#include "membership/core_detail.hpp"
#include "membership/limits.hpp"

namespace hearsay::membership {

using wire::MessageType;

void Core::send(const std::string& endpoint, MessageType type, std::uint32_t seq,
                const wire::Body& body, bool piggyback, const Member* buddy) {
  wire::Header h{params_.cluster_id, type,          seq,     self_.name,
                 self_.endpoint,     incarnation(), digest()};
  std::vector<wire::Bytes> news;
  std::size_t used = 0;
  if (buddy) {
    news.push_back(wire::encode_record(record_of(*buddy, false)));
    used += news.back().size();
  }
  if (piggyback && broadcasts_.size() > 0 && used < params_.payload_budget_bytes) {
    const int limit = retransmit_limit(params_.retransmit_mult, table_.live_count());
    for (auto& b : broadcasts_.take(params_.payload_budget_bytes - used, limit))
      news.push_back(std::move(b));
  }
  stats_.news_sent += news.size();
  auto bytes = wire::encode(h, body, news);
  ++stats_.messages_out[static_cast<std::size_t>(type)];
  stats_.bytes_out += bytes.size();
  outgoing_.push_back({endpoint, std::move(bytes)});
}

void Core::send_sync_req(TimePoint now, const std::string& endpoint, bool join) {
  ++stats_.syncs_started;
  last_sync_at_ = now;
  send(endpoint, MessageType::sync_req, next_seq(), wire::SyncReq{join}, true);
}

void Core::send_summary(const std::string& endpoint) {
  // Entries are ~40 bytes plus the name; stay well under the size limit.
  const std::size_t limit = params_.max_message_bytes / 2;
  wire::SyncSummary chunk;
  std::size_t size = 0;
  for (const auto& [name, m] : table_.all()) {
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

void Core::send_records(const std::string& endpoint, const std::vector<const Member*>& members) {
  const std::size_t limit = params_.max_message_bytes / 2;
  wire::SyncRecords chunk;
  std::size_t size = 0;
  for (const auto* m : members) {
    // Full records: anti-entropy always carries whole service sets.
    wire::MemberRecord r{
        m->name, m->endpoint, m->incarnation, m->state, m->from, m->services_version, {}};
    if (m->services_complete && m->live()) r.services = m->services;
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

}  // namespace hearsay::membership
