// Core: inbound messages. Bytes are decoded (and dropped with a counted
// reason if bad), piggybacked news applied first, then the body handled.
#include <algorithm>
#include <set>

#include "membership/core.hpp"
#include "membership/core_detail.hpp"

namespace hearsay::membership {

using wire::MessageType;

void Core::on_message(TimePoint now, std::span<const std::uint8_t> bytes) {
  stats_.bytes_in += bytes.size();
  auto result = wire::decode(bytes, params_.cluster_id, limits_);
  if (!result.ok()) {
    ++stats_.dropped[static_cast<std::size_t>(result.reason)];
    return;
  }
  auto& msg = result.message;
  if (msg.header.sender == self_.name) {
    ++stats_.dropped[static_cast<std::size_t>(wire::DropReason::unexpected)];
    return;
  }
  ++stats_.messages_in[static_cast<std::size_t>(msg.header.type)];
  for (const auto& r : msg.news)
    apply(now, r, Origin::gossip, msg.header.sender_endpoint);
  check_sender(now, msg.header);
  dispatch(now, msg);
  check_digest(now, msg.header);
}

void Core::dispatch(TimePoint now, wire::Message& msg) {
  switch (msg.header.type) {
    case MessageType::ping:
      on_ping(now, msg);
      break;
    case MessageType::ack:
      on_ack(now, msg);
      break;
    case MessageType::ping_req:
      on_ping_req(now, msg);
      break;
    case MessageType::nack:
      on_nack(now, msg);
      break;
    case MessageType::gossip:
      break;
    case MessageType::sync_req:
      on_sync_req(now, msg);
      break;
    case MessageType::sync_summary:
      on_sync_summary(now, msg);
      break;
    case MessageType::sync_pull:
      on_sync_pull(now, msg);
      break;
    case MessageType::sync_records:
      on_sync_records(now, msg);
      break;
    case MessageType::services_pull:
      on_services_pull(now, msg);
      break;
  }
}

// A sender we hold dead is told so (it will refute); one we do not know, or
// know only from an older life, is synced with so we learn its record.
void Core::check_sender(TimePoint now, const wire::Header& h) {
  if (leaving_) return;
  if (h.type == MessageType::sync_req || h.type == MessageType::sync_summary ||
      h.type == MessageType::sync_records)
    return;  // a sync with it is already under way
  auto last = told_dead_at_.find(h.sender);
  if (last != told_dead_at_.end() && now - last->second < params_.probe_interval) return;
  const Member* m = table_.find(h.sender);
  if (m && m->live()) return;  // newer incarnations arrive as news
  if (m && m->state == MemberState::left && h.sender_incarnation <= m->incarnation) return;
  told_dead_at_[h.sender] = now;
  if (m && !m->live() && h.sender_incarnation <= m->incarnation) {
    std::vector<wire::Bytes> news{wire::encode_record(record_of(*m, false))};
    wire::Header out{params_.cluster_id, MessageType::gossip, next_seq(), self_.name,
                     self_.endpoint,     incarnation(),       digest()};
    auto bytes = wire::encode(out, wire::Gossip{}, news);
    ++stats_.messages_out[static_cast<std::size_t>(MessageType::gossip)];
    stats_.bytes_out += bytes.size();
    outgoing_.push_back({h.sender_endpoint, std::move(bytes)});
    return;
  }
  send_sync_req(now, h.sender_endpoint, false);
}

// Carried digests: a mismatch that outlasts the grace period (longer than news
// takes to spread) means we missed something; pull from the sender.
void Core::check_digest(TimePoint now, const wire::Header& h) {
  if (h.digest == digest()) {
    mismatch_since_.reset();
    return;
  }
  if (!mismatch_since_) {
    mismatch_since_ = now;
    return;
  }
  if (now - *mismatch_since_ < params_.sync_mismatch_grace) return;
  if (now - last_sync_at_ < params_.sync_mismatch_grace || leaving_) return;
  const Member* m = table_.find(h.sender);
  if (!m || !m->live()) return;
  send_sync_req(now, h.sender_endpoint, false);
  mismatch_since_ = now;
}

void Core::on_ping(TimePoint, const wire::Message& msg) {
  const auto& ping = std::get<wire::Ping>(msg.body);
  if (ping.target != self_.name) {
    // Someone else used to live at this endpoint; stay silent so it is not
    // mistaken for alive.
    ++stats_.dropped[static_cast<std::size_t>(wire::DropReason::unexpected)];
    return;
  }
  send(msg.header.sender_endpoint, MessageType::ack, msg.header.seq, wire::Ack{}, true);
}

void Core::on_ack(TimePoint now, const wire::Message& msg) {
  const auto seq = msg.header.seq;
  if (probe_ && probe_->seq == seq) {
    if (!probe_->indirect_sent) note_rtt(probe_->target, now - probe_->sent);
    awareness_.apply_delta(-1);
    probe_.reset();
    if (hinted_) next_probe_at_ = now;  // a failure hint waits for no schedule
    return;
  }
  if (auto it = relays_.find(seq); it != relays_.end()) {
    send(it->second.requester_endpoint, MessageType::ack, it->second.requester_seq, wire::Ack{},
         true);
    relays_.erase(it);
    return;
  }
  ++stats_.stale_acks;  // late or duplicate: ignored, never counted as proof of life
}

// Smoothed like TCP's SRTT: 7/8 old + 1/8 new; only direct acks count.
void Core::note_rtt(const std::string& member, Duration sample) {
  auto [it, fresh] = rtt_.try_emplace(member, sample);
  if (!fresh) it->second = it->second - it->second / 8 + sample / 8;
}

std::optional<Duration> Core::rtt(std::string_view member) const {
  auto it = rtt_.find(member);
  if (it == rtt_.end()) return std::nullopt;
  return it->second;
}

void Core::on_ping_req(TimePoint now, const wire::Message& msg) {
  const auto& req = std::get<wire::PingReq>(msg.body);
  if (relays_.size() >= 1024) return;  // bound helper state
  const auto seq = next_seq();
  // Lifeguard: answer nack at 80% of the probe timeout, so the nack is back
  // before the requester's probe period ends and counts as the helper's
  // proof of health (memberlist waits the full timeout and it arrives late).
  const auto nack_after = params_.probe_timeout * 4 / 5;
  relays_[seq] = Relay{msg.header.sender_endpoint, msg.header.seq, now + nack_after};
  send(req.target_endpoint, MessageType::ping, seq, wire::Ping{req.target}, true);
}

void Core::on_nack(TimePoint, const wire::Message& msg) {
  if (probe_ && probe_->seq == msg.header.seq) ++probe_->nacks;
}

void Core::on_sync_req(TimePoint, const wire::Message& msg) {
  const auto& req = std::get<wire::SyncReq>(msg.body);
  const Member* m = table_.find(msg.header.sender);
  const bool known = m && m->live() && m->incarnation >= msg.header.sender_incarnation;
  if (!req.join && known && msg.header.digest == digest()) return;  // in agreement
  ++stats_.syncs_served;
  send_summary(msg.header.sender_endpoint);
}

void Core::on_sync_summary(TimePoint now, const wire::Message& msg) {
  const auto& summary = std::get<wire::SyncSummary>(msg.body);
  std::vector<std::string> pull;
  std::vector<const Member*> push;
  std::set<std::string_view> seen;
  for (const auto& e : summary.entries) {
    seen.insert(e.name);
    if (e.name == self_.name) {
      wire::MemberRecord claim{e.name, {}, e.incarnation, e.state, {}, e.services_version, {}};
      apply_about_self(now, claim);
      continue;
    }
    const Member* m = table_.find(e.name);
    if (!m) {
      if (e.state == MemberState::alive || e.state == MemberState::suspect) pull.push_back(e.name);
      continue;
    }
    Member theirs;
    theirs.incarnation = e.incarnation;
    theirs.state = e.state;
    if (overrides(e.state, e.incarnation, *m)) {
      pull.push_back(e.name);
    } else if (overrides(m->state, m->incarnation, theirs)) {
      push.push_back(m);
    } else if (!m->services_complete && e.services_version == m->services_version) {
      pull.push_back(e.name);
    }
  }
  // What they lack entirely, and ourselves if they hold us older.
  for (const auto& [name, m] : table_.all()) {
    if (seen.count(name) && name != self_.name) continue;
    if (name == self_.name) {
      auto it = std::find_if(summary.entries.begin(), summary.entries.end(),
                             [&](const wire::SummaryEntry& e) { return e.name == name; });
      if (it != summary.entries.end() && it->incarnation == m.incarnation && it->state == m.state)
        continue;
      push.push_back(&m);
      continue;
    }
    const bool recent = now - m.state_since < params_.gossip_to_the_dead;
    if (m.live() || recent) push.push_back(&m);
  }
  if (!pull.empty())
    send(msg.header.sender_endpoint, MessageType::sync_pull, next_seq(),
         wire::SyncPull{std::move(pull)}, false);
  if (!push.empty()) send_records(msg.header.sender_endpoint, push);
}

void Core::on_sync_pull(TimePoint, const wire::Message& msg) {
  const auto& req = std::get<wire::SyncPull>(msg.body);
  std::vector<const Member*> records;
  for (const auto& name : req.names)
    if (const auto* m = table_.find(name)) records.push_back(m);
  if (!records.empty()) send_records(msg.header.sender_endpoint, records);
}

void Core::on_sync_records(TimePoint now, const wire::Message& msg) {
  for (const auto& r : std::get<wire::SyncRecords>(msg.body).records)
    apply(now, r, Origin::sync, msg.header.sender_endpoint);
}

void Core::on_services_pull(TimePoint, const wire::Message& msg) {
  const auto& req = std::get<wire::ServicesPull>(msg.body);
  const auto* m = table_.find(req.name);
  if (!m || !m->services_complete || m->services_version < req.version) return;
  send_records(msg.header.sender_endpoint, {m});
}

}  // namespace hearsay::membership
