// Core: everything driven by time — the probe cycle, suspicion timeouts,
// gossip and eager forwarding, anti-entropy, re-merge, joins, housekeeping.
#include <algorithm>
#include <cmath>

#include "membership/core.hpp"
#include "membership/core_detail.hpp"
#include "membership/limits.hpp"

namespace hearsay::membership {

using wire::MessageType;

namespace {

// memberlist's pushPullScale: above 32 members, sync less often so the
// cluster-wide sync load grows only logarithmically.
Duration sync_interval_for(Duration interval, std::size_t n) {
  if (n <= 32) return interval;
  const double mult = std::ceil(std::log2(static_cast<double>(n)) - std::log2(32.0)) + 1.0;
  return std::chrono::duration_cast<Duration>(interval * mult);
}

}  // namespace

std::optional<std::string> Core::next_probe_target() {
  for (int pass = 0; pass < 2; ++pass) {
    while (probe_index_ < probe_order_.size()) {
      const auto& name = probe_order_[probe_index_++];
      const auto* m = table_.find(name);
      if (m && m->live() && name != self_.name) return name;
    }
    // End of a pass: reshuffle the live members for the next one.
    probe_order_ = live_names_;
    rng_.shuffle(probe_order_.begin(), probe_order_.end());
    probe_index_ = 0;
  }
  return std::nullopt;
}

void Core::start_probe(TimePoint now, const std::string& target) {
  const auto* m = table_.find(target);
  probe_ = std::make_unique<Probe>();
  probe_->target = target;
  probe_->endpoint = m->endpoint;
  probe_->seq = next_seq();
  probe_->sent = now;
  probe_->ack_deadline = now + awareness_.scale(params_.probe_timeout);
  probe_->period_end = now + awareness_.scale(params_.probe_interval);
  ++stats_.probes;
  // Buddy system: a suspect learns of the suspicion from the probe itself.
  const Member* buddy = m->state == MemberState::suspect ? m : nullptr;
  send(m->endpoint, MessageType::ping, probe_->seq, wire::Ping{target}, true, buddy);
}

void Core::probe_tick(TimePoint now) {
  if (probe_ && !probe_->indirect_sent && now >= probe_->ack_deadline) {
    probe_->indirect_sent = true;
    const auto helpers = random_members(static_cast<std::size_t>(params_.indirect_checks), false,
                                        probe_->target, now);
    for (const auto* h : helpers) {
      send(h->endpoint, MessageType::ping_req, probe_->seq,
           wire::PingReq{probe_->target, probe_->endpoint}, true);
    }
    probe_->expected_nacks = static_cast<int>(helpers.size());
    stats_.indirect_probes += helpers.size();
  }
  if (probe_ && now >= probe_->period_end) finish_probe(now);
  if (!probe_ && now >= next_probe_at_) {
    std::optional<std::string> target = std::exchange(hinted_, std::nullopt);
    if (target) {
      const auto* m = table_.find(*target);
      if (!m || !m->live()) target.reset();
    }
    if (!target) target = next_probe_target();
    next_probe_at_ = now + awareness_.scale(params_.probe_interval);
    if (target) start_probe(now, *target);
  }
}

// The period ended without an ack: Lifeguard's awareness update, then suspect.
void Core::finish_probe(TimePoint now) {
  auto probe = std::move(probe_);
  ++stats_.probes_failed;
  int delta = 1;
  if (probe->expected_nacks > 0) delta = std::max(0, probe->expected_nacks - probe->nacks);
  awareness_.apply_delta(delta);
  const auto* m = table_.find(probe->target);
  if (!m || !m->live()) return;
  if (m->state == MemberState::suspect) {
    auto it = suspicions_.find(m->name);
    if (it != suspicions_.end() && it->second.confirm(self_.name)) {
      Member next = *m;
      next.from = self_.name;
      set_member(now, std::move(next), true);
    }
    return;
  }
  ++stats_.suspicions_raised;
  suspect(now, *m, m->incarnation, self_.name);
}

void Core::relay_tick(TimePoint now) {
  for (auto it = relays_.begin(); it != relays_.end();) {
    if (now < it->second.deadline) {
      ++it;
      continue;
    }
    send(it->second.requester_endpoint, MessageType::nack, it->second.requester_seq, wire::Nack{},
         false);
    it = relays_.erase(it);
  }
}

void Core::suspicion_tick(TimePoint now) {
  std::vector<std::string> expired;
  for (const auto& [name, s] : suspicions_)
    if (now >= s.deadline()) expired.push_back(name);
  for (const auto& name : expired)
    declare_dead(now, name);
}

void Core::gossip_tick(TimePoint now) {
  if (now < next_gossip_at_) return;
  next_gossip_at_ = std::max(next_gossip_at_ + params_.gossip_interval, now);
  if (broadcasts_.size() == 0) return;
  for (const auto* m :
       random_members(static_cast<std::size_t>(params_.gossip_fanout), true, {}, now)) {
    if (broadcasts_.size() == 0) break;
    send(m->endpoint, MessageType::gossip, next_seq(), wire::Gossip{}, true);
  }
}

// Eager forwarding: new news goes out after a short coalescing window rather
// than at the next gossip tick, within a token-bucket rate bound.
void Core::forward_tick(TimePoint now) {
  if (now < forward_at_) return;
  forward_at_ = kNever;
  last_forward_at_ = now;
  if (params_.forward_rate_per_s <= 0 || broadcasts_.size() == 0) return;
  const double cap = std::max(params_.gossip_fanout * 2.0, params_.forward_rate_per_s / 5.0);
  const auto dt = std::chrono::duration<double>(now - forward_tokens_at_).count();
  forward_tokens_ = std::min(cap, forward_tokens_ + dt * params_.forward_rate_per_s);
  forward_tokens_at_ = now;
  const auto budget = static_cast<std::size_t>(std::floor(forward_tokens_));
  const auto n = std::min(budget, static_cast<std::size_t>(params_.gossip_fanout));
  if (n == 0) return;  // over the rate: the periodic gossip carries it
  for (const auto* m : random_members(n, true, {}, now)) {
    if (broadcasts_.size() == 0) break;
    send(m->endpoint, MessageType::gossip, next_seq(), wire::Gossip{}, true);
    forward_tokens_ -= 1.0;
  }
}

void Core::sync_tick(TimePoint now) {
  if (now < next_sync_at_) return;
  next_sync_at_ = now + sync_interval_for(params_.sync_interval, table_.live_count());
  const auto peers = random_members(1, false, {}, now);
  if (peers.empty()) return;
  send_sync_req(now, peers.front()->endpoint, false);
}

void Core::join_tick(TimePoint now) {
  if (joined_ || seeds_.empty()) return;
  if (table_.live_count() > 1) {  // we know someone: joined
    joined_ = true;
    next_join_at_ = kNever;
    return;
  }
  if (now < next_join_at_) return;
  for (const auto& seed : seeds_)
    send_sync_req(now, seed, true);
  next_join_at_ = now + join_backoff_;
  join_backoff_ = std::min<Duration>(join_backoff_ * 2, params_.join_retry_max);
}

void Core::pull_tick(TimePoint now) {
  for (auto it = pulls_.begin(); it != pulls_.end();) {
    if (now < it->second.deadline) {
      ++it;
      continue;
    }
    const auto* m = table_.find(it->first);
    if (it->second.asked_owner || !m || !m->live() || m->services_complete) {
      it = pulls_.erase(it);  // anti-entropy will catch up
      continue;
    }
    // The peer that told us did not answer: ask the owner itself.
    it->second.asked_owner = true;
    it->second.deadline = now + params_.probe_timeout * 2;
    send(m->endpoint, MessageType::services_pull, next_seq(),
         wire::ServicesPull{m->name, it->second.version}, false);
    ++it;
  }
}

void Core::housekeeping_tick(TimePoint now) {
  if (now < next_housekeeping_at_) return;
  next_housekeeping_at_ = now + std::chrono::seconds(1);
  std::erase_if(recent_dead_, [&](const std::string& name) {
    const auto* m = table_.find(name);
    return !m || now - m->state_since >= params_.gossip_to_the_dead;
  });
  // Forget tombstones past their time.
  std::vector<std::string> reap;
  const bool any_tombstones = table_.size() > table_.live_count();
  for (const auto& [name, m] : any_tombstones ? table_.all() : MemberTable::Map{})
    if (!m.live() && now - m.state_since >= params_.tombstone_timeout) reap.push_back(name);
  for (const auto& name : reap) {
    table_.erase(name);
    rtt_.erase(name);
    registry_.on_member_erased(name);
  }
  // Forgotten members are no longer missed: stop re-joining for them.
  if (!reap.empty()) max_live_seen_ = table_.live_count();
  std::erase_if(told_dead_at_,
                [&](const auto& kv) { return now - kv.second > std::chrono::seconds(60); });
  if (leaving_) return;

  // Re-merge after partitions: retry one dead member now and then ...
  if (now >= next_reconnect_at_) {
    next_reconnect_at_ = now + params_.reconnect_interval;
    std::vector<const Member*> dead;
    if (table_.count(MemberState::dead) > 0)
      for (const auto& [name, m] : table_.all())
        if (m.state == MemberState::dead) dead.push_back(&m);
    if (!dead.empty()) send_sync_req(now, dead[rng_.uniform(dead.size())]->endpoint, false);
  }
  // ... and re-join seeds while we see fewer members than we once did.
  if (now >= next_rejoin_at_) {
    next_rejoin_at_ = now + params_.rejoin_interval;
    if (!seeds_.empty() && table_.live_count() < max_live_seen_)
      send_sync_req(now, seeds_[rng_.uniform(seeds_.size())], false);
  }
}

// This process did not run for a while. Nothing it failed to hear meanwhile
// is evidence against others: drop the probe in flight, push back timers.
void Core::note_pause(TimePoint now) {
  const auto gap = now - last_tick_;
  ++stats_.pauses_detected;
  probe_.reset();
  relays_.clear();
  for (auto& [name, s] : suspicions_)
    s.postpone(gap);
  next_probe_at_ = std::max(next_probe_at_, now);
}

std::vector<const Member*> Core::random_members(std::size_t k, bool include_recent_dead,
                                                std::string_view exclude, TimePoint now) {
  std::vector<const Member*> pool;
  if (include_recent_dead && !recent_dead_.empty()) {
    for (const auto& name : live_names_)
      if (name != exclude) pool.push_back(table_.find(name));
    for (const auto& name : recent_dead_) {
      const auto* m = table_.find(name);
      if (name != exclude && m && now - m->state_since < params_.gossip_to_the_dead)
        pool.push_back(m);
    }
  } else if (live_names_.size() > 4 * k + 8) {
    // Large cluster: sample without scanning the table.
    std::vector<std::size_t> picked;
    for (std::size_t tries = 0; pool.size() < k && tries < 8 * k; ++tries) {
      const auto i = rng_.uniform(live_names_.size());
      if (std::find(picked.begin(), picked.end(), i) != picked.end()) continue;
      if (live_names_[i] == exclude) continue;
      picked.push_back(i);
      pool.push_back(table_.find(live_names_[i]));
    }
    return pool;
  } else {
    for (const auto& name : live_names_)
      if (name != exclude) pool.push_back(table_.find(name));
  }
  // Partial Fisher-Yates: the first k are a uniform sample.
  for (std::size_t i = 0; i < std::min(k, pool.size()); ++i) {
    const auto j = i + rng_.uniform(pool.size() - i);
    std::swap(pool[i], pool[j]);
  }
  if (pool.size() > k) pool.resize(k);
  return pool;
}

}  // namespace hearsay::membership
