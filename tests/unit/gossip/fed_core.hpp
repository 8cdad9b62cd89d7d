// A protocol core fed by hand, for the runtime parts that read one
// (collect_stats, Snapshots): claims about members arrive as gossip from a
// made-up peer, probes are answered on demand, and time is whatever the test
// says. No network, no simulator.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hearsay/service.hpp"
#include "membership/core.hpp"
#include "membership/wire/codec.hpp"

namespace hearsay::gossip::fed {

using membership::Core;
using membership::Duration;
using membership::TimePoint;
using membership::wire::MemberRecord;

inline const TimePoint kT0 = TimePoint{} + std::chrono::hours(1);

inline std::string endpoint_of(const std::string& name) {
  return "sim://" + name;
}

inline Service service(std::string name, std::string id, Health health = Health::passing) {
  Service s;
  s.name = std::move(name);
  s.id = std::move(id);
  s.endpoint = "tcp://10.0.0.1:80";
  s.health = health;
  return s;
}

// What a peer says about `name`: its state at incarnation {1, counter}, with
// this service set (complete, so nothing is pulled).
inline MemberRecord claim(const std::string& name, MemberState state, std::uint64_t counter = 0,
                          std::vector<Service> services = {}) {
  const membership::Incarnation inc{1, counter};
  const std::string from = state == MemberState::alive ? "" : "gossiper";
  return MemberRecord{name, endpoint_of(name), inc, state, from, inc, std::move(services)};
}

// One message to `core` from member `sender`, whatever its body.
inline void deliver(Core& core, TimePoint now, membership::wire::Body body,
                    std::vector<MemberRecord> news = {}, std::uint32_t seq = 1,
                    const std::string& sender = "gossiper") {
  membership::wire::Message m;
  m.header.cluster_id = "default";
  m.header.type = membership::wire::type_of(body);
  m.header.seq = seq;
  m.header.sender = sender;
  m.header.sender_endpoint = endpoint_of(sender);
  m.body = std::move(body);
  m.news = std::move(news);
  core.on_message(now, membership::wire::encode(m));
}

// Claims about members, as gossip.
inline void tell(Core& core, TimePoint now, std::vector<MemberRecord> news) {
  deliver(core, now, membership::wire::Gossip{}, std::move(news));
}

// Ticks `core` from `now` until it pings a member, then acks that ping `rtt`
// later; `now` ends at the ack. The member probed, or nullopt if no ping came
// within a minute.
inline std::optional<std::string> ack_next_ping(Core& core, TimePoint& now, Duration rtt) {
  const auto end = now + std::chrono::minutes(1);
  while (now < end) {
    for (const auto& out : core.take_outgoing()) {
      const auto decoded = membership::wire::decode(out.bytes, "default");
      if (!decoded.ok() || decoded.message.header.type != membership::wire::MessageType::ping)
        continue;
      const auto& target = std::get<membership::wire::Ping>(decoded.message.body).target;
      now += rtt;
      deliver(core, now, membership::wire::Ack{}, {}, decoded.message.header.seq, target);
      return target;
    }
    now = std::max(now, core.next_deadline());
    core.on_tick(now);
  }
  return std::nullopt;
}

}  // namespace hearsay::gossip::fed
