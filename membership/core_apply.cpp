// Core: applying news and records to the member table (DESIGN §2 precedence,
// refutation, suspicion with Lifeguard confirmations, service-set pulls).
#include <algorithm>

#include "membership/core.hpp"
#include "membership/core_detail.hpp"
#include "membership/limits.hpp"

namespace hearsay::membership {

using wire::MemberRecord;

namespace {

Member member_from(const MemberRecord& r, TimePoint now) {
  Member m;
  m.name = r.name;
  m.endpoint = r.endpoint;
  m.incarnation = r.incarnation;
  m.state = r.state;
  m.state_since = now;
  m.from = r.from;
  m.services_version = r.services_version;
  if (r.services) m.services = *r.services;
  m.services_complete = r.services.has_value();
  return m;
}

}  // namespace

wire::MemberRecord Core::record_of(const Member& m, bool with_services) const {
  MemberRecord r{m.name, m.endpoint, m.incarnation, m.state, m.from, m.services_version, {}};
  // Sets too large to piggyback travel by version only and are pulled.
  if (with_services && m.services_complete && m.state != MemberState::dead &&
      m.state != MemberState::left) {
    if (wire::encoded_size(m.services) + 256 <= params_.payload_budget_bytes)
      r.services = m.services;
  }
  return r;
}

// Asks the peer that told us for a service set we know only by version;
// pull_tick falls back to the owner.
void Core::request_services(TimePoint now, const MemberRecord& r, std::string_view via_endpoint) {
  pulls_[r.name] = PendingPull{r.services_version, now + params_.probe_timeout * 2, false};
  send(std::string(via_endpoint), wire::MessageType::services_pull, next_seq(),
       wire::ServicesPull{r.name, r.services_version}, false);
}

void Core::emit(MemberEventType type, const Member& m) {
  events_.push_back(MemberEvent{type, m.name, m.endpoint});
}

void Core::enqueue_news(TimePoint now, const Member& m) {
  broadcasts_.enqueue(m.name, wire::encode_record(record_of(m, true)));
  // Leading edge: news after a quiet spell goes out at once; news arriving
  // within the coalescing window of the last forward is batched behind it.
  const auto earliest = std::max(now, last_forward_at_ + params_.forward_coalesce);
  forward_at_ = std::min(forward_at_, earliest);
}

void Core::set_member(TimePoint now, Member m, bool broadcast) {
  const Member* old = table_.find(m.name);
  const bool existed = old != nullptr;
  const bool was_live = existed && old->live();
  const Member& cur = table_.put(std::move(m));
  registry_.on_member_changed(cur);
  if (cur.name != self_.name && cur.live() != was_live) {
    if (cur.live()) {
      live_names_.push_back(cur.name);
      // New members go to a random place in the rest of this probe pass.
      const auto lo = std::min(probe_index_, probe_order_.size());
      const auto pos = lo + rng_.uniform(probe_order_.size() - lo + 1);
      probe_order_.insert(probe_order_.begin() + static_cast<std::ptrdiff_t>(pos), cur.name);
    } else {
      live_names_.erase(std::find(live_names_.begin(), live_names_.end(), cur.name));
    }
  }
  if (cur.name != self_.name) {
    auto it = std::find(recent_dead_.begin(), recent_dead_.end(), cur.name);
    const bool dead = cur.state == MemberState::dead;
    if (dead && it == recent_dead_.end()) recent_dead_.push_back(cur.name);
    if (!dead && it != recent_dead_.end()) recent_dead_.erase(it);
  }
  max_live_seen_ = std::max(max_live_seen_, table_.live_count());
  if (broadcast) enqueue_news(now, cur);
}

void Core::bump_self(TimePoint now) {
  Member m = *table_.find(self_.name);
  m.incarnation.counter += 1;
  m.services_version = m.incarnation;
  set_member(now, std::move(m), true);
}

void Core::refute(TimePoint now, const Incarnation& heard) {
  Member m = *table_.find(self_.name);
  m.incarnation = m.incarnation.refuting(heard);
  // Our service set did not change; its version stays.
  m.state = MemberState::alive;
  self_.generation = m.incarnation.generation;
  ++stats_.refutations;
  awareness_.apply_delta(1);  // Lifeguard: being suspected hints we are the slow one
  set_member(now, std::move(m), true);
}

bool Core::apply_about_self(TimePoint now, const MemberRecord& r) {
  if (leaving_) return false;
  const auto mine = incarnation();
  if (r.state == MemberState::alive) {
    if (r.incarnation <= mine) return false;
  } else if (r.incarnation < mine) {
    return false;  // stale accusation, already refuted
  }
  refute(now, r.incarnation);
  return true;
}

void Core::suspect(TimePoint now, const Member& m, const Incarnation& inc,
                   const std::string& from) {
  Member next = m;
  next.state = MemberState::suspect;
  next.incarnation = inc;
  next.from = from;
  next.state_since = now;
  const auto n = table_.live_count();
  int k = params_.suspicion_mult - 2;
  if (static_cast<int>(n) - 2 < k) k = 0;
  const auto min = suspicion_min_timeout(params_.suspicion_mult, n, params_.probe_interval);
  const auto max = min * params_.suspicion_max_timeout_mult;
  suspicions_.insert_or_assign(m.name, Suspicion(inc, from, k, min, max, now));
  ++stats_.suspicions;
  set_member(now, std::move(next), true);
  emit(MemberEventType::suspect, *table_.find(m.name));
}

void Core::declare_dead(TimePoint now, const std::string& name) {
  suspicions_.erase(name);
  const auto* m = table_.find(name);
  if (!m || m->state != MemberState::suspect) return;
  Member next = *m;
  next.state = MemberState::dead;
  next.from = self_.name;
  next.state_since = now;
  ++stats_.deaths_declared;
  set_member(now, std::move(next), true);
  emit(MemberEventType::dead, *table_.find(name));
}

bool Core::apply(TimePoint now, const MemberRecord& r, Origin origin,
                 std::string_view via_endpoint) {
  if (r.name == self_.name) return apply_about_self(now, r);
  const Member* m = table_.find(r.name);
  if (!m) {
    // News of a death of someone we never knew (or forgot) is not worth keeping.
    if (r.state == MemberState::dead || r.state == MemberState::left) return false;
    Member fresh = member_from(r, now);
    const bool complete = fresh.services_complete;
    // A joiner learning the cluster through a sync does not re-announce it;
    // a member's own record (it is joining us) is news for everyone.
    const bool spread = origin == Origin::gossip || r.endpoint == via_endpoint;
    set_member(now, std::move(fresh), complete && spread);
    const auto& cur = *table_.find(r.name);
    emit(MemberEventType::join, cur);
    if (cur.state == MemberState::suspect) {
      // Someone suspects a member we just met: run our own timer on it.
      Member alive = cur;
      suspect(now, alive, r.incarnation, r.from);
    }
    if (!complete) {
      request_services(now, r, via_endpoint);
    }
    ++stats_.news_applied;
    return true;
  }

  auto state = r.state;
  // A death learnt through anti-entropy (a merge after a partition) may be the
  // other side's stale view: we only suspect, so the member can refute.
  if (origin == Origin::sync && state == MemberState::dead && m->live())
    state = MemberState::suspect;

  if (!overrides(state, r.incarnation, *m)) {
    if (origin == Origin::gossip && r.incarnation == m->incarnation && state == m->state)
      broadcasts_.heard_again(r.name,
                              retransmit_limit(params_.retransmit_mult, table_.live_count()),
                              params_.payload_budget_bytes);
    if (state == MemberState::suspect && m->state == MemberState::suspect &&
        r.incarnation == m->incarnation) {
      auto it = suspicions_.find(r.name);
      if (it != suspicions_.end() && it->second.confirm(r.from)) {
        Member next = *m;
        next.from = r.from;
        set_member(now, std::move(next), true);  // spread the confirmation
      }
      return false;
    }
    // The contents of a service set we knew only by version.
    if (state == MemberState::alive && r.services && !m->services_complete &&
        r.incarnation == m->incarnation && r.services_version == m->services_version) {
      Member next = *m;
      next.services = *r.services;
      next.services_complete = true;
      pulls_.erase(r.name);
      ++stats_.services_pulled;
      set_member(now, std::move(next), true);
      emit(MemberEventType::updated, *table_.find(r.name));
      return true;
    }
    return false;
  }

  ++stats_.news_applied;
  const auto was = m->state;
  switch (state) {
    case MemberState::alive: {
      Member next = *m;
      const bool changed =
          next.endpoint != r.endpoint || next.services_version != r.services_version;
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
      const bool spread = origin == Origin::gossip || r.endpoint == via_endpoint ||
                          was == MemberState::dead || was == MemberState::left;
      set_member(now, std::move(next), complete && spread);
      const auto& cur = *table_.find(r.name);
      if (was == MemberState::dead || was == MemberState::left)
        emit(MemberEventType::join, cur);
      else if (was == MemberState::suspect)
        emit(MemberEventType::alive, cur);
      if (changed && was != MemberState::dead && was != MemberState::left)
        emit(MemberEventType::updated, cur);
      if (!complete) {
        request_services(now, r, via_endpoint);
      }
      return true;
    }
    case MemberState::suspect: {
      // A suspicion at a newer incarnation may carry a newer service set.
      Member base = *m;
      if (r.services_version > base.services_version) {
        base.services_version = r.services_version;
        base.services_complete = r.services.has_value();
        if (r.services) base.services = *r.services;
        if (!r.services) request_services(now, r, via_endpoint);
      }
      suspect(now, base, r.incarnation, r.from.empty() ? std::string(via_endpoint) : r.from);
      return true;
    }
    case MemberState::dead:
    case MemberState::left: {
      suspicions_.erase(r.name);
      Member next = *m;
      next.incarnation = r.incarnation;
      next.state = state;
      next.from = r.from;
      next.state_since = now;
      set_member(now, std::move(next), true);
      // A member that left on purpose is not missed by the re-join logic.
      if (state == MemberState::left && max_live_seen_ > table_.live_count()) --max_live_seen_;
      if (state == MemberState::left || was != state)
        emit(state == MemberState::left ? MemberEventType::left : MemberEventType::dead,
             *table_.find(r.name));
      return true;
    }
  }
  return false;
}

}  // namespace hearsay::membership
