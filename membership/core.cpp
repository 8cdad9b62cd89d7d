#include "membership/core.hpp"

#include <algorithm>

#include "hearsay/errors.hpp"
#include "membership/service_set.hpp"

namespace hearsay::membership {

using wire::MessageType;

Core::Core(const ProtocolParams& params, Identity id, std::uint64_t seed, TimePoint now,
           Delivery delivery)
    : ctx_(params, std::move(id), seed, delivery),
      outbox_(ctx_),
      peers_(ctx_),
      pulls_(ctx_, outbox_),
      dissemination_(ctx_, outbox_, peers_),
      merger_(ctx_, peers_, dissemination_, pulls_),
      probe_(ctx_, outbox_, peers_, merger_),
      anti_entropy_(ctx_, outbox_, peers_, merger_) {
  ctx_.params.validate();
  if (ctx_.self.name.empty()) throw ConfigError("name", "must not be empty");
  if (ctx_.self.endpoint.empty()) throw ConfigError("advertise", "must not be empty");
  limits_.max_message_bytes = ctx_.params.max_message_bytes;
  limits_.max_services = ctx_.params.max_services;

  Member me;
  me.name = ctx_.self.name;
  me.endpoint = ctx_.self.endpoint;
  me.incarnation = {ctx_.self.generation, 0};
  me.services_version = me.incarnation;
  me.state_since = now;
  ctx_.registry.on_member_changed(ctx_.table.put(std::move(me)));

  // Each part draws its first deadline, in this order (the seed fixes it).
  probe_.start(now);
  dissemination_.start(now);
  anti_entropy_.start(now);
  next_housekeeping_at_ = now + std::chrono::seconds(1);
  last_tick_ = now;
}

Core::~Core() = default;

void Core::join(TimePoint now, std::vector<std::string> seeds) {
  anti_entropy_.join(now, std::move(seeds));
}

void Core::leave(TimePoint now) {
  if (ctx_.leaving) return;
  ctx_.leaving = true;
  Member m = ctx_.me();
  m.incarnation.counter += 1;
  m.state = MemberState::left;
  m.state_since = now;
  merger_.commit(now, std::move(m), true);
  probe_.abandon();
  dissemination_.forward_now(now);  // say goodbye at once
}

void Core::set_services(TimePoint now, std::vector<Service> services) {
  services = checked_services(std::move(services), ctx_.params);
  if (services == ctx_.me().services) return;
  Member m = ctx_.me();
  m.services = std::move(services);
  ctx_.table.put(std::move(m));
  merger_.bump_self(now);
}

void Core::advertise(TimePoint now, Service service) {
  set_services(now, with_service(ctx_.me().services, std::move(service), ctx_.params));
}

bool Core::withdraw(TimePoint now, std::string_view id) {
  auto services = ctx_.me().services;
  auto it =
      std::find_if(services.begin(), services.end(), [&](const Service& s) { return s.id == id; });
  if (it == services.end()) return false;
  services.erase(it);
  set_services(now, std::move(services));
  return true;
}

bool Core::set_health(TimePoint now, std::string_view id, Health health) {
  auto services = ctx_.me().services;
  auto it =
      std::find_if(services.begin(), services.end(), [&](const Service& s) { return s.id == id; });
  if (it == services.end()) return false;
  it->health = health;
  set_services(now, std::move(services));
  return true;
}

TimePoint Core::next_deadline() const {
  return std::min({probe_.deadline(), merger_.deadline(), dissemination_.deadline(),
                   anti_entropy_.deadline(), pulls_.deadline(), next_housekeeping_at_});
}

void Core::on_tick(TimePoint now) {
  // Ticks come at least every gossip interval; a much longer gap means this
  // process was stopped (SIGSTOP, a VM pause, a debugger).
  const auto pause_gap =
      std::max<Duration>(ctx_.params.gossip_interval * 10, std::chrono::seconds(2));
  if (now - last_tick_ > pause_gap) note_pause(now);
  last_tick_ = now;
  anti_entropy_.join_tick(now);
  probe_.tick(now);
  merger_.tick(now);
  dissemination_.tick(now);
  anti_entropy_.sync_tick(now);
  pulls_.tick(now);
  housekeeping_tick(now);
}

void Core::housekeeping_tick(TimePoint now) {
  if (now < next_housekeeping_at_) return;
  next_housekeeping_at_ = now + std::chrono::seconds(1);
  peers_.expire_recent_dead(now);
  for (const auto& name : merger_.reap_tombstones(now))
    probe_.forget(name);
  anti_entropy_.housekeep(now);
}

// This process did not run for a while. Nothing it failed to hear meanwhile
// is evidence against others: drop the probe in flight, push back timers.
void Core::note_pause(TimePoint now) {
  ++ctx_.stats.pauses_detected;
  merger_.postpone_suspicions(now - last_tick_);
  merger_.note_stale_view(now);
  probe_.on_pause(now);
  anti_entropy_.on_pause(now);
}

void Core::on_connection_closed(TimePoint now, std::string_view endpoint) {
  probe_.on_connection_closed(now, endpoint);
}

void Core::on_connection_refused(TimePoint now, std::string_view endpoint) {
  probe_.on_connection_refused(now, endpoint);
}

void Core::on_message(TimePoint now, std::span<const std::uint8_t> bytes) {
  auto& stats = ctx_.stats;
  stats.bytes_in += bytes.size();
  auto result = wire::decode(bytes, ctx_.params.cluster_id, limits_);
  if (!result.ok()) {
    ++stats.dropped[static_cast<std::size_t>(result.reason)];
    return;
  }
  const auto& msg = result.message;
  if (msg.header.sender == ctx_.self.name) {
    ++stats.dropped[static_cast<std::size_t>(wire::DropReason::unexpected)];
    return;
  }
  ++stats.messages_in[static_cast<std::size_t>(msg.header.type)];
  // Piggybacked news first: the body may be about what they tell.
  std::vector<std::string> outdated;
  for (const auto& r : msg.news) {
    if (merger_.outdated_accusation(r)) outdated.push_back(r.name);
    merger_.apply(now, r, Merger::Origin::gossip, msg.header.sender_endpoint);
  }
  if (!outdated.empty()) anti_entropy_.correct(now, msg.header.sender_endpoint, outdated);
  anti_entropy_.check_sender(now, msg.header);
  dispatch(now, msg);
  anti_entropy_.check_digest(now, msg.header);
}

void Core::dispatch(TimePoint now, const wire::Message& msg) {
  switch (msg.header.type) {
    case MessageType::ping:
      return probe_.on_ping(msg);
    case MessageType::ack:
      return probe_.on_ack(now, msg);
    case MessageType::ping_req:
      return probe_.on_ping_req(now, msg);
    case MessageType::nack:
      return probe_.on_nack(now, msg);
    case MessageType::gossip:
      return;  // news only, applied above
    case MessageType::sync_req:
      return anti_entropy_.on_sync_req(now, msg);
    case MessageType::sync_summary:
      return anti_entropy_.on_sync_summary(now, msg);
    case MessageType::sync_pull:
      return anti_entropy_.on_sync_pull(msg);
    case MessageType::sync_records:
      return anti_entropy_.on_sync_records(now, msg);
    case MessageType::services_pull:
      return pulls_.on_services_pull(msg);
  }
}

}  // namespace hearsay::membership
