// Core: one node's SWIM + Lifeguard protocol engine, sans-I/O.
//
// Drivers (the ZeroMQ runtime, the simulator) push time and bytes in and take
// messages, events and the next deadline out:
//
//   core.on_message(now, bytes);     // bytes from the network, untrusted
//   core.on_tick(now);               // call at or after next_deadline()
//   for (auto& out : core.take_outgoing()) send(out.endpoint, out.bytes);
//
// The core never reads a clock, sleeps, spawns a thread, touches a socket or a
// global random generator; the same seed and inputs give the same outputs.
// It coordinates small concept objects (member table, suspicion, awareness,
// broadcast queue, registry view); their logic lives in their own files.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hearsay/events.hpp"
#include "hearsay/protocol_params.hpp"
#include "hearsay/service.hpp"
#include "membership/awareness.hpp"
#include "membership/broadcast_queue.hpp"
#include "membership/core_stats.hpp"
#include "membership/member_table.hpp"
#include "membership/registry_view.hpp"
#include "membership/rng.hpp"
#include "membership/suspicion.hpp"
#include "membership/time.hpp"
#include "membership/wire/codec.hpp"

namespace hearsay::membership {

struct Identity {
  std::string name;
  std::string endpoint;          // what peers send to
  std::uint64_t generation = 0;  // start-up wall-clock ms in production
};

struct Outgoing {
  std::string endpoint;
  wire::Bytes bytes;
};

class Core {
 public:
  // Throws ConfigError if `params` or `id` is invalid.
  Core(const ProtocolParams& params, Identity id, std::uint64_t seed, TimePoint now);
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;
  ~Core();

  // --- inputs ---
  void on_message(TimePoint now, std::span<const std::uint8_t> bytes);
  void on_tick(TimePoint now);
  // Failure hint: the transport saw the connection to `endpoint` close. The
  // member behind it is probed at once; a hint alone never suspects anyone.
  void on_connection_closed(TimePoint now, std::string_view endpoint);

  // Contacts seed endpoints, retrying with backoff until one answers.
  void join(TimePoint now, std::vector<std::string> seeds);
  // Announces a graceful leave. Keep driving the core until
  // broadcasts_pending() is 0 (or a bounded wait ends), then stop.
  void leave(TimePoint now);

  // Own services. advertise adds or replaces (by id); throws ConfigError
  // naming the field if the record or the resulting set breaks a limit.
  void advertise(TimePoint now, Service service);
  bool withdraw(TimePoint now, std::string_view id);
  bool set_health(TimePoint now, std::string_view id, Health health);

  // --- outputs ---
  TimePoint next_deadline() const;
  std::vector<Outgoing> take_outgoing();
  std::vector<MemberEvent> take_events();

  // --- views ---
  const std::string& name() const { return self_.name; }
  const std::string& endpoint() const { return self_.endpoint; }
  Incarnation incarnation() const;
  const MemberTable& members() const { return table_; }
  const RegistryView& registry() const { return registry_; }
  std::uint64_t digest() const { return table_.digest(); }
  const CoreStats& stats() const { return stats_; }
  int awareness() const { return awareness_.score(); }
  std::size_t broadcasts_pending() const { return broadcasts_.size(); }
  bool joined() const { return joined_; }
  // Smoothed round-trip time to a member, from direct probe acks.
  std::optional<Duration> rtt(std::string_view member) const;
  bool left() const { return leaving_; }

 private:
  struct Probe;
  struct Relay;
  struct PendingPull;

  // message handling (core_receive.cpp)
  void dispatch(TimePoint now, wire::Message& msg);
  void on_ping(TimePoint now, const wire::Message& msg);
  void on_ack(TimePoint now, const wire::Message& msg);
  void on_ping_req(TimePoint now, const wire::Message& msg);
  void on_nack(TimePoint now, const wire::Message& msg);
  void on_sync_req(TimePoint now, const wire::Message& msg);
  void on_sync_summary(TimePoint now, const wire::Message& msg);
  void on_sync_pull(TimePoint now, const wire::Message& msg);
  void on_sync_records(TimePoint now, const wire::Message& msg);
  void on_services_pull(TimePoint now, const wire::Message& msg);
  void check_sender(TimePoint now, const wire::Header& h);
  void check_digest(TimePoint now, const wire::Header& h);
  void note_rtt(const std::string& member, Duration sample);

  // state changes (core_apply.cpp)
  enum class Origin { gossip, sync };
  bool apply(TimePoint now, const wire::MemberRecord& r, Origin origin,
             std::string_view via_endpoint);
  bool apply_about_self(TimePoint now, const wire::MemberRecord& r);
  void refute(TimePoint now, const Incarnation& heard);
  void suspect(TimePoint now, const Member& m, const Incarnation& inc, const std::string& from);
  void declare_dead(TimePoint now, const std::string& name);
  void set_member(TimePoint now, Member m, bool broadcast);
  void enqueue_news(TimePoint now, const Member& m);
  void emit(MemberEventType type, const Member& m);
  void request_services(TimePoint now, const wire::MemberRecord& r, std::string_view via);
  wire::MemberRecord record_of(const Member& m, bool with_services) const;
  void bump_self(TimePoint now);

  // timers (core_timers.cpp)
  void probe_tick(TimePoint now);
  void start_probe(TimePoint now, const std::string& target);
  void finish_probe(TimePoint now);
  void gossip_tick(TimePoint now);
  void forward_tick(TimePoint now);
  void suspicion_tick(TimePoint now);
  void sync_tick(TimePoint now);
  void housekeeping_tick(TimePoint now);
  void join_tick(TimePoint now);
  void relay_tick(TimePoint now);
  void pull_tick(TimePoint now);
  void note_pause(TimePoint now);
  std::optional<std::string> next_probe_target();
  std::vector<const Member*> random_members(std::size_t k, bool include_recent_dead,
                                            std::string_view exclude, TimePoint now);

  // sending (core_send.cpp)
  void send(const std::string& endpoint, wire::MessageType type, std::uint32_t seq,
            const wire::Body& body, bool piggyback, const Member* buddy = nullptr);
  void send_sync_req(TimePoint now, const std::string& endpoint, bool join);
  void send_summary(const std::string& endpoint);
  void send_records(const std::string& endpoint, const std::vector<const Member*>& members);
  std::uint32_t next_seq() { return ++seq_; }

  ProtocolParams params_;
  Identity self_;
  Rng rng_;
  MemberTable table_;
  RegistryView registry_;
  Awareness awareness_;
  membership::BroadcastQueue broadcasts_;
  wire::DecodeLimits limits_;
  CoreStats stats_;

  std::vector<Outgoing> outgoing_;
  std::vector<MemberEvent> events_;

  // live members other than self, for random choices (order: insertion)
  std::vector<std::string> live_names_;
  // members declared dead within gossip_to_the_dead: still gossiped to
  std::vector<std::string> recent_dead_;

  // probing
  std::vector<std::string> probe_order_;
  std::size_t probe_index_ = 0;
  std::unique_ptr<Probe> probe_;
  TimePoint next_probe_at_;
  std::optional<std::string> hinted_;
  std::map<std::uint32_t, Relay> relays_;
  std::map<std::string, Duration, std::less<>> rtt_;
  std::uint32_t seq_ = 0;

  // suspicion timers by member name
  std::map<std::string, Suspicion, std::less<>> suspicions_;

  // dissemination
  TimePoint next_gossip_at_;
  TimePoint forward_at_ = kNever;
  TimePoint last_forward_at_{};
  double forward_tokens_ = 0;
  TimePoint forward_tokens_at_;

  // anti-entropy and re-merge
  TimePoint next_sync_at_;
  TimePoint last_sync_at_{};
  std::optional<TimePoint> mismatch_since_;
  TimePoint next_reconnect_at_;
  TimePoint next_rejoin_at_;
  std::size_t max_live_seen_ = 1;
  std::map<std::string, TimePoint, std::less<>> told_dead_at_;  // rate limit "you are dead"
  std::map<std::string, PendingPull, std::less<>> pulls_;

  // joining
  std::vector<std::string> seeds_;
  bool joined_ = false;
  TimePoint next_join_at_ = kNever;
  Duration join_backoff_{};

  TimePoint next_housekeeping_at_;
  TimePoint last_tick_{};
  bool leaving_ = false;
};

}  // namespace hearsay::membership
