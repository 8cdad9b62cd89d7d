// Core: construction, the user-facing operations, outputs and deadlines.
#include "membership/core.hpp"

#include <algorithm>

#include "hearsay/errors.hpp"
#include "membership/core_detail.hpp"
#include "membership/limits.hpp"
#include "membership/service_set.hpp"

namespace hearsay::membership {

namespace {

Duration jitter(Rng& rng, Duration d) {
  const auto span = static_cast<std::uint64_t>(std::max<Duration::rep>(d.count(), 1));
  return Duration{static_cast<Duration::rep>(rng.uniform(span))};
}

}  // namespace

Core::Core(const ProtocolParams& params, Identity id, std::uint64_t seed, TimePoint now)
    : params_(params), self_(std::move(id)), rng_(seed), awareness_(params.awareness_max) {
  params_.validate();
  if (self_.name.empty()) throw ConfigError("name", "must not be empty");
  if (self_.endpoint.empty()) throw ConfigError("advertise", "must not be empty");
  limits_.max_message_bytes = params_.max_message_bytes;
  limits_.max_services = params_.max_services;

  Member me;
  me.name = self_.name;
  me.endpoint = self_.endpoint;
  me.incarnation = {self_.generation, 0};
  me.services_version = me.incarnation;
  me.state_since = now;
  registry_.on_member_changed(table_.put(std::move(me)));

  // Stagger timers so nodes started together do not tick in lockstep.
  next_probe_at_ = now + jitter(rng_, params_.probe_interval);
  next_gossip_at_ = now + jitter(rng_, params_.gossip_interval);
  next_sync_at_ = now + params_.sync_interval + jitter(rng_, params_.sync_interval);
  next_reconnect_at_ = now + params_.reconnect_interval + jitter(rng_, params_.reconnect_interval);
  next_rejoin_at_ = now + params_.rejoin_interval;
  next_housekeeping_at_ = now + std::chrono::seconds(1);
  forward_tokens_ = params_.gossip_fanout;
  forward_tokens_at_ = now;
  last_tick_ = now;
  last_sync_at_ = now;
}

Core::~Core() = default;

Incarnation Core::incarnation() const {
  return table_.find(self_.name)->incarnation;
}

void Core::join(TimePoint now, std::vector<std::string> seeds) {
  seeds.erase(std::remove(seeds.begin(), seeds.end(), self_.endpoint), seeds.end());
  seeds_ = std::move(seeds);
  if (seeds_.empty()) {
    joined_ = true;  // the first node of a cluster joins nobody
    return;
  }
  joined_ = false;
  join_backoff_ = std::chrono::seconds(1);
  next_join_at_ = now;
  join_tick(now);
}

void Core::leave(TimePoint now) {
  if (leaving_) return;
  leaving_ = true;
  const auto* me = table_.find(self_.name);
  Member m = *me;
  m.incarnation.counter += 1;
  m.state = MemberState::left;
  m.state_since = now;
  set_member(now, std::move(m), true);
  probe_.reset();
  forward_at_ = now;  // say goodbye at once
}

void Core::advertise(TimePoint now, Service service) {
  const auto& current = table_.find(self_.name)->services;
  auto services = with_service(current, std::move(service), params_);
  if (services == current) return;
  Member m = *table_.find(self_.name);
  m.services = std::move(services);
  table_.put(std::move(m));
  bump_self(now);
}

bool Core::withdraw(TimePoint now, std::string_view id) {
  Member m = *table_.find(self_.name);
  auto it = std::find_if(m.services.begin(), m.services.end(),
                         [&](const Service& s) { return s.id == id; });
  if (it == m.services.end()) return false;
  m.services.erase(it);
  table_.put(std::move(m));
  bump_self(now);
  return true;
}

bool Core::set_health(TimePoint now, std::string_view id, Health health) {
  Member m = *table_.find(self_.name);
  auto it = std::find_if(m.services.begin(), m.services.end(),
                         [&](const Service& s) { return s.id == id; });
  if (it == m.services.end()) return false;
  if (it->health == health) return true;
  it->health = health;
  table_.put(std::move(m));
  bump_self(now);
  return true;
}

std::vector<Outgoing> Core::take_outgoing() {
  return std::exchange(outgoing_, {});
}
std::vector<MemberEvent> Core::take_events() {
  return std::exchange(events_, {});
}

TimePoint Core::next_deadline() const {
  TimePoint t = std::min({next_gossip_at_, forward_at_, next_housekeeping_at_, next_join_at_});
  if (!leaving_) {
    t = std::min({t, next_sync_at_, probe_ ? probe_->period_end : next_probe_at_});
    if (probe_ && !probe_->indirect_sent) t = std::min(t, probe_->ack_deadline);
  }
  for (const auto& [seq, r] : relays_)
    t = std::min(t, r.deadline);
  for (const auto& [name, s] : suspicions_)
    t = std::min(t, s.deadline());
  for (const auto& [name, p] : pulls_)
    t = std::min(t, p.deadline);
  return t;
}

void Core::on_tick(TimePoint now) {
  // Ticks come at least every gossip interval; a much longer gap means this
  // process was stopped (SIGSTOP, a VM pause, a debugger).
  const auto pause_gap = std::max<Duration>(params_.gossip_interval * 10, std::chrono::seconds(2));
  if (now - last_tick_ > pause_gap) note_pause(now);
  last_tick_ = now;
  join_tick(now);
  if (!leaving_) probe_tick(now);
  relay_tick(now);
  suspicion_tick(now);
  gossip_tick(now);
  forward_tick(now);
  if (!leaving_) sync_tick(now);
  pull_tick(now);
  housekeeping_tick(now);
}

void Core::on_connection_closed(TimePoint now, std::string_view endpoint) {
  const auto* m = table_.find_by_endpoint(endpoint);
  if (!m || !m->live() || m->name == self_.name || leaving_) return;
  ++stats_.failure_hints;
  if (probe_ && probe_->target == m->name) return;  // already on it
  hinted_ = m->name;
  if (!probe_) next_probe_at_ = now;
}

}  // namespace hearsay::membership
