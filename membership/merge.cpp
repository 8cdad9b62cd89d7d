#include "membership/merge.hpp"

#include <algorithm>
#include <utility>

#include "membership/limits.hpp"
#include "membership/records.hpp"

namespace hearsay::membership {

using wire::MemberRecord;

void Merger::emit(MemberEventType type, const Member& m) {
  events_.push_back(MemberEvent{type, m.name, m.endpoint});
}

void Merger::commit(TimePoint now, Member m, bool broadcast) {
  const Member* old = ctx_.table.find(m.name);
  const bool was_live = old != nullptr && old->live();
  const Member& cur = ctx_.table.put(std::move(m));
  ctx_.registry.on_member_changed(cur);
  peers_.on_member_changed(cur, was_live);
  max_live_seen_ = std::max(max_live_seen_, ctx_.table.live_count());
  if (broadcast) news_.enqueue(now, cur);
}

void Merger::bump_self(TimePoint now) {
  Member m = ctx_.me();
  m.incarnation.counter += 1;
  m.services_version = m.incarnation;
  commit(now, std::move(m), true);
}

void Merger::refute(TimePoint now, const Incarnation& heard) {
  Member m = ctx_.me();
  m.incarnation = m.incarnation.refuting(heard);
  // Our service set did not change; its version stays.
  m.state = MemberState::alive;
  ++ctx_.stats.refutations;
  ctx_.awareness.apply_delta(1);  // Lifeguard: being suspected hints we are the slow one
  commit(now, std::move(m), true);
}

bool Merger::apply_about_self(TimePoint now, const MemberRecord& r) {
  if (ctx_.leaving) return false;
  const auto mine = ctx_.me().incarnation;
  if (r.state == MemberState::alive) {
    if (r.incarnation <= mine) return false;
  } else if (r.incarnation < mine) {
    return false;  // stale accusation, already refuted
  }
  refute(now, r.incarnation);
  return true;
}

void Merger::suspect(TimePoint now, const Member& m, const Incarnation& inc,
                     const std::string& from) {
  Member next = m;
  next.state = MemberState::suspect;
  next.incarnation = inc;
  next.from = from;
  next.state_since = now;
  const auto& p = ctx_.params;
  const auto n = ctx_.table.live_count();
  // Lifeguard expects k confirmations from others; none in tiny clusters.
  int k = p.suspicion_mult - 2;
  if (static_cast<int>(n) - 2 < k) k = 0;
  const auto min = suspicion_min_timeout(p.suspicion_mult, n, p.probe_interval);
  const auto max = min * p.suspicion_max_timeout_mult;
  suspicions_.insert_or_assign(m.name, Suspicion(inc, from, k, min, max, now));
  ++ctx_.stats.suspicions;
  commit(now, std::move(next), true);
  emit(MemberEventType::suspect, *ctx_.table.find(m.name));
}

void Merger::accuse(TimePoint now, const Member& m) {
  if (m.state == MemberState::suspect) {
    auto it = suspicions_.find(m.name);
    if (it != suspicions_.end() && it->second.confirm(ctx_.self.name)) {
      Member next = m;
      next.from = ctx_.self.name;
      commit(now, std::move(next), true);
    }
    return;
  }
  ++ctx_.stats.suspicions_raised;
  suspect(now, m, m.incarnation, ctx_.self.name);
}

// A refused connection means the kernel on the member's host answered for
// it: no process listens there. A live member (refused by mistake) still
// refutes within the window; its gossip and ours travel in milliseconds.
void Merger::accuse_refused(TimePoint now, const Member& m) {
  ++ctx_.stats.refusal_suspicions;
  const auto window = ctx_.params.probe_interval;
  if (m.state == MemberState::alive) {
    ++ctx_.stats.suspicions_raised;
    suspect(now, m, m.incarnation, ctx_.self.name);
  }
  auto it = suspicions_.find(m.name);
  if (it != suspicions_.end() && it->second.deadline() > now + window)
    it->second = Suspicion(m.incarnation, ctx_.self.name, 0, window, window, now);
}

void Merger::declare_dead(TimePoint now, const std::string& name) {
  suspicions_.erase(name);
  const auto* m = ctx_.table.find(name);
  if (!m || m->state != MemberState::suspect) return;
  Member next = *m;
  next.state = MemberState::dead;
  next.from = ctx_.self.name;
  next.state_since = now;
  ++ctx_.stats.deaths_declared;
  commit(now, std::move(next), true);
  emit(MemberEventType::dead, *ctx_.table.find(name));
}

void Merger::tick(TimePoint now) {
  std::vector<std::string> expired;
  for (const auto& [name, s] : suspicions_)
    if (now >= s.deadline()) expired.push_back(name);
  for (const auto& name : expired)
    declare_dead(now, name);
}

TimePoint Merger::deadline() const {
  TimePoint t = kNever;
  for (const auto& [name, s] : suspicions_)
    t = std::min(t, s.deadline());
  return t;
}

void Merger::postpone_suspicions(Duration gap) {
  for (auto& [name, s] : suspicions_)
    s.postpone(gap);
}

std::vector<std::string> Merger::reap_tombstones(TimePoint now) {
  std::vector<std::string> reap;
  if (ctx_.table.size() > ctx_.table.live_count()) {
    for (const auto& [name, m] : ctx_.table.all())
      if (!m.live() && now - m.state_since >= ctx_.params.tombstone_timeout) reap.push_back(name);
  }
  for (const auto& name : reap) {
    ctx_.table.erase(name);
    ctx_.registry.on_member_erased(name);
  }
  // Forgotten members are no longer missed: stop re-joining for them.
  if (!reap.empty()) max_live_seen_ = ctx_.table.live_count();
  return reap;
}

bool Merger::outdated_accusation(const MemberRecord& r) const {
  if (r.state != MemberState::suspect && r.state != MemberState::dead) return false;
  const Member* m = ctx_.table.find(r.name);
  return m && m->state == MemberState::alive && r.incarnation < m->incarnation;
}

bool Merger::apply(TimePoint now, const MemberRecord& r, Origin origin,
                   std::string_view via_endpoint) {
  if (r.name == ctx_.self.name) return apply_about_self(now, r);
  const Member* m = ctx_.table.find(r.name);
  if (!m) return apply_new(now, r, origin, via_endpoint);

  auto state = r.state;
  // A death learnt through anti-entropy (a merge after a partition) may be the
  // other side's stale view: we only suspect, so the member can refute.
  if (origin == Origin::sync && state == MemberState::dead && m->live() && now >= stale_view_until_)
    state = MemberState::suspect;
  if (!overrides(state, r.incarnation, *m)) return apply_known(now, *m, state, r, origin);

  ++ctx_.stats.news_applied;
  switch (state) {
    case MemberState::alive:
      return apply_alive(now, *m, r, origin, via_endpoint);
    case MemberState::suspect:
      return apply_suspect(now, *m, r, via_endpoint);
    case MemberState::dead:
    case MemberState::left:
      return apply_final(now, *m, state, r);
  }
  return false;
}

bool Merger::apply_new(TimePoint now, const MemberRecord& r, Origin origin,
                       std::string_view via_endpoint) {
  // News of a death of someone we never knew (or forgot) is not worth keeping.
  if (r.state == MemberState::dead || r.state == MemberState::left) return false;
  Member fresh = member_from(r, now);
  const bool complete = fresh.services_complete;
  // A joiner learning the cluster through a sync does not re-announce it;
  // a member's own record (it is joining us) is news for everyone.
  const bool spread = origin == Origin::gossip || r.endpoint == via_endpoint;
  commit(now, std::move(fresh), complete && spread);
  const auto& cur = *ctx_.table.find(r.name);
  emit(MemberEventType::join, cur);
  if (cur.state == MemberState::suspect) {
    // Someone suspects a member we just met: run our own timer on it.
    Member alive = cur;
    suspect(now, alive, r.incarnation, r.from);
  }
  if (!complete) pulls_.request(now, r, via_endpoint);
  ++ctx_.stats.news_applied;
  return true;
}

// A claim that does not override what we hold may still confirm a suspicion
// or deliver the contents of a service set we knew only by version.
bool Merger::apply_known(TimePoint now, const Member& m, MemberState state, const MemberRecord& r,
                         Origin origin) {
  if (origin == Origin::gossip && r.incarnation == m.incarnation && state == m.state)
    news_.heard_again(r.name);
  if (state == MemberState::suspect && m.state == MemberState::suspect &&
      r.incarnation == m.incarnation) {
    auto it = suspicions_.find(r.name);
    if (it != suspicions_.end() && it->second.confirm(r.from)) {
      Member next = m;
      next.from = r.from;
      commit(now, std::move(next), true);  // spread the confirmation
    }
    return false;
  }
  if (state == MemberState::alive && r.services && !m.services_complete &&
      r.incarnation == m.incarnation && r.services_version == m.services_version) {
    Member next = m;
    next.services = *r.services;
    next.services_complete = true;
    pulls_.done(r.name);
    ++ctx_.stats.services_pulled;
    commit(now, std::move(next), true);
    emit(MemberEventType::updated, *ctx_.table.find(r.name));
    return true;
  }
  return false;
}

bool Merger::apply_alive(TimePoint now, const Member& m, const MemberRecord& r, Origin origin,
                         std::string_view via_endpoint) {
  const auto was = m.state;
  const bool returned = was == MemberState::dead || was == MemberState::left;
  Member next = m;
  const bool changed = next.endpoint != r.endpoint || next.services_version != r.services_version;
  next.endpoint = r.endpoint;
  next.incarnation = r.incarnation;
  next.state = MemberState::alive;
  next.from.clear();
  if (was != MemberState::alive) next.state_since = now;
  bool complete = true;
  if (r.services) {
    next.services = *r.services;
    next.services_complete = true;
  } else if (r.services_version != next.services_version) {
    next.services_complete = false;  // keep the old set until the new one arrives
    complete = false;
  }
  next.services_version = r.services_version;
  suspicions_.erase(r.name);
  // Through a sync, only a return from the dead (a partition merging) is
  // news worth spreading; a missed update is already known by the rest.
  const bool spread = origin == Origin::gossip || r.endpoint == via_endpoint || returned;
  commit(now, std::move(next), complete && spread);
  const auto& cur = *ctx_.table.find(r.name);
  if (returned)
    emit(MemberEventType::join, cur);
  else if (was == MemberState::suspect)
    emit(MemberEventType::alive, cur);
  if (changed && !returned) emit(MemberEventType::updated, cur);
  if (!complete) pulls_.request(now, r, via_endpoint);
  return true;
}

bool Merger::apply_suspect(TimePoint now, const Member& m, const MemberRecord& r,
                           std::string_view via_endpoint) {
  // A suspicion at a newer incarnation may carry a newer service set.
  Member base = m;
  if (r.services_version > base.services_version) {
    base.services_version = r.services_version;
    base.services_complete = r.services.has_value();
    if (r.services) base.services = *r.services;
    if (!r.services) pulls_.request(now, r, via_endpoint);
  }
  suspect(now, base, r.incarnation, r.from.empty() ? std::string(via_endpoint) : r.from);
  return true;
}

bool Merger::apply_final(TimePoint now, const Member& m, MemberState state, const MemberRecord& r) {
  const auto was = m.state;
  suspicions_.erase(r.name);
  Member next = m;
  next.incarnation = r.incarnation;
  next.state = state;
  next.from = r.from;
  next.state_since = now;
  commit(now, std::move(next), true);
  // A member that left on purpose is not missed by the re-join logic.
  if (state == MemberState::left && was != MemberState::left &&
      max_live_seen_ > ctx_.table.live_count())
    --max_live_seen_;
  // One event per change of state: a later life that left again (its alive
  // news missed) is not a second "left", as dead-again is not a second "dead".
  if (was != state)
    emit(state == MemberState::left ? MemberEventType::left : MemberEventType::dead,
         *ctx_.table.find(r.name));
  return true;
}

}  // namespace hearsay::membership
