#include "membership/probe_cycle.hpp"

#include <algorithm>
#include <utility>

#include "membership/jitter.hpp"
#include "membership/once_per.hpp"

namespace hearsay::membership {

using wire::MessageType;

namespace {

// Bounds the state this node keeps as a helper for others.
constexpr std::size_t kMaxRelays = 1024;
constexpr int kRechecks = 2;

}  // namespace

void ProbeCycle::start(TimePoint now) {
  next_probe_at_ = now + jitter(ctx_.rng, ctx_.params.probe_interval);
}

void ProbeCycle::on_ping(const wire::Message& msg) {
  const auto& ping = std::get<wire::Ping>(msg.body);
  if (ping.target != ctx_.self.name) {
    // Someone else used to live at this endpoint; stay silent so it is not
    // mistaken for alive.
    ++ctx_.stats.dropped[static_cast<std::size_t>(wire::DropReason::unexpected)];
    return;
  }
  out_.send(msg.header.sender_endpoint, MessageType::ack, msg.header.seq, wire::Ack{}, true);
}

void ProbeCycle::on_ack(TimePoint now, const wire::Message& msg) {
  const auto seq = msg.header.seq;
  if (probe_ && probe_->seq == seq) {
    if (!probe_->indirect_sent) note_rtt(probe_->target, now - probe_->sent);
    ctx_.awareness.apply_delta(-1);
    probe_.reset();
    if (hint_ && hint_->urgent) next_probe_at_ = now;  // a refusal waits for no schedule
    return;
  }
  if (auto it = relays_.find(seq); it != relays_.end()) {
    out_.send(it->second.requester_endpoint, MessageType::ack, it->second.requester_seq,
              wire::Ack{}, true);
    relays_.erase(it);
    return;
  }
  ++ctx_.stats.stale_acks;  // late or duplicate: ignored, never counted as proof of life
}

void ProbeCycle::on_ping_req(TimePoint now, const wire::Message& msg) {
  const auto& req = std::get<wire::PingReq>(msg.body);
  if (relays_.size() >= kMaxRelays) {
    ++ctx_.stats.relays_refused;
    return;
  }
  const auto seq = out_.next_seq();
  // Lifeguard: answer nack at 80% of the probe timeout, so the nack is back
  // before the requester's probe period ends and counts as the helper's
  // proof of health (memberlist waits the full timeout and it arrives late).
  const auto nack_after = ctx_.params.probe_timeout * 4 / 5;
  relays_[seq] =
      Relay{msg.header.sender_endpoint,      msg.header.seq,  req.target, req.target_endpoint,
            repeats_within(now, nack_after), now + nack_after};
  out_.send(req.target_endpoint, MessageType::ping, seq, wire::Ping{req.target}, true);
}

// A nack counts once per helper we asked: a duplicate (or a stranger's) must
// not stand in for a helper that never answered.
void ProbeCycle::on_nack(TimePoint now, const wire::Message& msg) {
  if (!probe_ || probe_->seq != msg.header.seq) return;
  const auto& from = msg.header.sender;
  const auto asked = std::find(probe_->helpers.begin(), probe_->helpers.end(), from);
  const auto seen = std::find(probe_->nacked.begin(), probe_->nacked.end(), from);
  if (asked == probe_->helpers.end() || seen != probe_->nacked.end()) return;
  probe_->nacked.push_back(from);
  if (std::get<wire::Nack>(msg.body).refused) {
    probe_->refused_by.push_back(from);
    check_refusals(now);
  }
}

void ProbeCycle::on_connection_closed(TimePoint /*now*/, std::string_view endpoint) {
  const auto* m = ctx_.table.find_by_endpoint(endpoint);
  if (!m || !m->live() || m->name == ctx_.self.name || ctx_.leaving) return;
  ++ctx_.stats.failure_hints;
  if (probe_ && probe_->target == m->name) return;  // already on it
  // Weak evidence (the transport also closes streams that stalled under
  // loss): that member is probed next, in the schedule's own time. A crashed
  // process refuses the redial, and a refusal is probed at once.
  if (hint_ && hint_->urgent) return;
  hint_ = Hint{m->name, false};
}

void ProbeCycle::on_connection_refused(TimePoint now, std::string_view endpoint) {
  // As a helper: tell each requester at once, instead of a plain nack later.
  for (auto it = relays_.begin(); it != relays_.end();) {
    if (it->second.target_endpoint != endpoint || it->second.nacked) {
      ++it;
      continue;
    }
    out_.send(it->second.requester_endpoint, MessageType::nack, it->second.requester_seq,
              wire::Nack{true}, false);
    it = relays_.erase(it);
  }
  const auto* m = ctx_.table.find_by_endpoint(endpoint);
  if (!m || !m->live() || m->name == ctx_.self.name || ctx_.leaving) return;
  ++ctx_.stats.refusals;
  if (probe_ && probe_->target == m->name) {
    probe_->refused = true;
    probe_->repings.left = 0;  // more pings would be refused too
    if (!probe_->indirect_sent) ask_helpers(now);
    check_refusals(now);
    return;
  }
  // Probe it next, at once — but a member that keeps refusing (every message
  // to a crashed process is refused) at most once a probe interval.
  if (!once_per(refusal_probed_, m->name, now, ctx_.params.probe_interval)) return;
  hint_ = Hint{m->name, true};
  if (!probe_) next_probe_at_ = now;
}

// Our own attempt was refused and so was that of every helper that answered
// (at least one, if we have any): accuse with a short window.
void ProbeCycle::check_refusals(TimePoint now) {
  if (!probe_->refused) return;
  if (!probe_->helpers.empty() &&
      (probe_->refused_by.empty() || probe_->refused_by.size() < probe_->nacked.size()))
    return;
  auto probe = std::move(probe_);
  const auto* m = ctx_.table.find(probe->target);
  if (m && m->live()) merger_.accuse_refused(now, *m);
}

void ProbeCycle::tick(TimePoint now) {
  if (!ctx_.leaving) probe_tick(now);
  relay_tick(now);
}

TimePoint ProbeCycle::deadline() const {
  TimePoint t = kNever;
  if (!ctx_.leaving) {
    t = probe_ ? probe_->period_end : next_probe_at_;
    if (probe_ && !probe_->indirect_sent) t = std::min(t, probe_->ack_deadline);
    if (probe_) t = std::min(t, probe_->repings.next);
  }
  for (const auto& [seq, r] : relays_)
    t = std::min({t, r.deadline, r.repings.next});
  return t;
}

void ProbeCycle::on_pause(TimePoint now) {
  probe_.reset();
  relays_.clear();
  next_probe_at_ = std::max(next_probe_at_, now);
}

std::optional<Duration> ProbeCycle::rtt(std::string_view member) const {
  auto it = rtt_.find(member);
  if (it == rtt_.end()) return std::nullopt;
  return it->second;
}

ProbeCycle::Repeats ProbeCycle::repeats_within(TimePoint now, Duration window) const {
  if (ctx_.delivery == Delivery::streams) return {};
  return {now + window / kPingsPerWindow, window / kPingsPerWindow, kPingsPerWindow - 1};
}

// Smoothed like TCP's SRTT: 7/8 old + 1/8 new.
void ProbeCycle::note_rtt(const std::string& member, Duration sample) {
  auto [it, fresh] = rtt_.try_emplace(member, sample);
  if (!fresh) it->second = it->second - it->second / 8 + sample / 8;
}

void ProbeCycle::start_probe(TimePoint now, const std::string& target) {
  const auto* m = ctx_.table.find(target);
  probe_ = std::make_unique<Probe>();
  probe_->target = target;
  probe_->endpoint = m->endpoint;
  probe_->seq = out_.next_seq();
  probe_->sent = now;
  const auto timeout = ctx_.awareness.scale(ctx_.params.probe_timeout);
  probe_->repings = repeats_within(now, timeout);
  probe_->ack_deadline = now + timeout;
  probe_->period_end = now + ctx_.awareness.scale(ctx_.params.probe_interval);
  ++ctx_.stats.probes;
  ping_target();
}

// Buddy system: a suspect learns of the suspicion from the probe itself.
void ProbeCycle::ping_target() {
  const auto* m = ctx_.table.find(probe_->target);
  const Member* buddy = m && m->state == MemberState::suspect ? m : nullptr;
  out_.send(probe_->endpoint, MessageType::ping, probe_->seq, wire::Ping{probe_->target}, true,
            buddy);
}

// One more round for a member we hold alive: ping and ask helpers at once,
// for one probe timeout. The sequence number stays, so a late ack of the
// first round still counts.
void ProbeCycle::start_recheck(TimePoint now) {
  probe_->refused_by.clear();
  ++ctx_.stats.probe_rechecks;
  // Over a stream an answer is late, not lost: give a round a whole interval.
  const auto round =
      ctx_.delivery == Delivery::streams ? ctx_.params.probe_interval : ctx_.params.probe_timeout;
  const auto timeout = ctx_.awareness.scale(round);
  ++probe_->rechecks;
  probe_->repings = repeats_within(now, timeout);
  probe_->period_end = now + timeout;
  probe_->helpers.clear();
  probe_->nacked.clear();
  ping_target();
  ask_helpers(now);
}

void ProbeCycle::ask_helpers(TimePoint now) {
  probe_->indirect_sent = true;
  const auto helpers = peers_.sample(static_cast<std::size_t>(ctx_.params.indirect_checks), false,
                                     probe_->target, now);
  for (const auto* h : helpers) {
    out_.send(h->endpoint, MessageType::ping_req, probe_->seq,
              wire::PingReq{probe_->target, probe_->endpoint}, true);
    probe_->helpers.push_back(h->name);
  }
  ctx_.stats.indirect_probes += helpers.size();
}

void ProbeCycle::probe_tick(TimePoint now) {
  if (probe_ && probe_->repings.due(now)) ping_target();
  if (probe_ && !probe_->indirect_sent && now >= probe_->ack_deadline) ask_helpers(now);
  if (probe_ && now >= probe_->period_end) finish_probe(now);
  if (!probe_ && now >= next_probe_at_) {
    std::optional<std::string> target;
    if (auto hint = std::exchange(hint_, std::nullopt)) target = std::move(hint->member);
    if (target) {
      const auto* m = ctx_.table.find(*target);
      if (!m || !m->live()) target.reset();
    }
    if (!target) target = peers_.next_probe_target();
    next_probe_at_ = now + ctx_.awareness.scale(ctx_.params.probe_interval);
    if (target) start_probe(now, *target);
  }
}

// The period ended without an ack: a recheck round for a member we hold
// alive whose endpoint did not refuse us, else Lifeguard's awareness update,
// then accuse. A closed connection is no reason to skip the rechecks: the
// transport also closes a stream that stalled under loss, and a crashed
// process refuses the redial anyway.
void ProbeCycle::finish_probe(TimePoint now) {
  const auto* target = ctx_.table.find(probe_->target);
  if (probe_->rechecks < kRechecks && !probe_->refused && target &&
      target->state == MemberState::alive) {
    start_recheck(now);
    return;
  }
  auto probe = std::move(probe_);
  ++ctx_.stats.probes_failed;
  int delta = 1;
  const auto asked = static_cast<int>(probe->helpers.size());
  if (asked > 0) delta = asked - static_cast<int>(probe->nacked.size());
  ctx_.awareness.apply_delta(delta);
  const auto* m = ctx_.table.find(probe->target);
  if (!m || !m->live()) return;
  merger_.accuse(now, *m);
}

void ProbeCycle::relay_tick(TimePoint now) {
  for (auto it = relays_.begin(); it != relays_.end();) {
    auto& r = it->second;
    if (r.repings.due(now))
      out_.send(r.target_endpoint, MessageType::ping, it->first, wire::Ping{r.target}, true);
    if (now < r.deadline) {
      ++it;
      continue;
    }
    if (r.nacked) {
      it = relays_.erase(it);
      continue;
    }
    // The nack goes on time; the relay stays one more probe interval, so an
    // ack that comes late (a stalled stream, a slow host) still reaches the
    // requester, whose probe may still be open (rechecks, awareness).
    out_.send(r.requester_endpoint, MessageType::nack, r.requester_seq, wire::Nack{}, false);
    r.nacked = true;
    r.repings = {};
    r.deadline = now + ctx_.params.probe_interval;
    ++it;
  }
}

}  // namespace hearsay::membership
