// The parts of the protocol core without the coordinator: one node's Context,
// Outbox and parts wired as Core wires them, so a test calls one part's
// methods (or feeds it decoded messages) and reads what it sent, what it
// changed in the member table, what it counted and which deadline it asks for.
// Nothing is ticked, started or dispatched unless the test does it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "hearsay/protocol_params.hpp"
#include "membership/anti_entropy.hpp"
#include "membership/context.hpp"
#include "membership/dissemination.hpp"
#include "membership/merge.hpp"
#include "membership/outbox.hpp"
#include "membership/peer_selection.hpp"
#include "membership/probe_cycle.hpp"
#include "membership/service_pulls.hpp"
#include "membership/wire/codec.hpp"

namespace hearsay::membership::fixture {

using namespace std::chrono_literals;
using wire::MemberRecord;
using wire::MessageType;

inline const TimePoint kT0 = TimePoint{} + 1h;

inline std::string endpoint_of(std::string_view name) {
  return "sim://" + std::string(name);
}

// A member as the tests hold it: endpoint sim://name, an empty (complete)
// service set at version {1, 0}.
inline Member member(std::string_view name, MemberState state = MemberState::alive,
                     Incarnation inc = {1, 0}, TimePoint since = kT0) {
  Member m;
  m.name = std::string(name);
  m.endpoint = endpoint_of(name);
  m.incarnation = inc;
  m.state = state;
  m.state_since = since;
  m.services_version = {1, 0};
  return m;
}

// A claim about `name` as another node would send it, with an empty service
// set at version {1, 0}.
inline MemberRecord record(std::string_view name, MemberState state, Incarnation inc = {1, 0},
                           std::string_view from = "") {
  return {std::string(name),     endpoint_of(name), inc, state, std::string(from), {1, 0},
          std::vector<Service>{}};
}

inline Service service(std::string_view name, std::string_view id) {
  Service s;
  s.name = std::string(name);
  s.id = std::string(id);
  s.endpoint = "tcp://10.0.0.1:8080";
  return s;
}

// One message as it left the Outbox, decoded.
struct Sent {
  std::string to;
  wire::Message msg;
  std::size_t bytes = 0;

  MessageType type() const { return msg.header.type; }
  template <typename B>
  const B& body() const {
    return std::get<B>(msg.body);
  }
};

inline std::vector<Sent> of_type(const std::vector<Sent>& sent, MessageType type) {
  std::vector<Sent> out;
  std::copy_if(sent.begin(), sent.end(), std::back_inserter(out),
               [&](const Sent& s) { return s.type() == type; });
  return out;
}

inline std::vector<std::string> destinations(const std::vector<Sent>& sent) {
  std::vector<std::string> out;
  for (const auto& s : sent)
    out.push_back(s.to);
  return out;
}

inline std::vector<std::string> news_names(const Sent& s) {
  std::vector<std::string> out;
  for (const auto& r : s.msg.news)
    out.push_back(r.name);
  return out;
}

inline std::uint64_t count_of(const std::array<std::uint64_t, CoreStats::kTypes>& by_type,
                              MessageType type) {
  return by_type[static_cast<std::size_t>(type)];
}

// One node named "self" (generation 1) and its parts, in Core's order.
struct Parts {
  explicit Parts(ProtocolParams params = ProtocolParams::lan(), std::uint64_t seed = 1,
                 Delivery delivery = Delivery::datagrams)
      : ctx(params, Identity{"self", endpoint_of("self"), 1}, seed, delivery),
        out(ctx),
        peers(ctx),
        pulls(ctx, out),
        news(ctx, out, peers),
        merger(ctx, peers, news, pulls),
        probe(ctx, out, peers, merger),
        anti_entropy(ctx, out, peers, merger) {
    Member me = member("self");
    ctx.registry.on_member_changed(ctx.table.put(std::move(me)));
  }
  // The parts hold references to each other and to ctx.
  Parts(const Parts&) = delete;
  Parts& operator=(const Parts&) = delete;

  // Stores `m` as the parts do (table, registry, peer selection), without
  // queueing it as news or emitting an event.
  const Member& put(Member m, TimePoint now = kT0) {
    const auto name = m.name;
    merger.commit(now, std::move(m), false);
    return *ctx.table.find(name);
  }
  const Member& add(std::string_view name, MemberState state = MemberState::alive,
                    Incarnation inc = {1, 0}, TimePoint now = kT0) {
    return put(member(name, state, inc, now), now);
  }

  // What the parts sent since the last call, decoded.
  std::vector<Sent> sent() {
    wire::DecodeLimits limits;
    limits.max_message_bytes = ctx.params.max_message_bytes;
    std::vector<Sent> out_msgs;
    for (auto& o : out.take()) {
      auto r = wire::decode(o.bytes, ctx.params.cluster_id, limits);
      if (!r.ok()) ADD_FAILURE() << "sent undecodable bytes: " << wire::to_string(r.reason);
      out_msgs.push_back({o.endpoint, std::move(r.message), o.bytes.size()});
    }
    return out_msgs;
  }

  // The records of the one sync_records message sent to `to` since the last
  // call (and nothing else sent).
  std::vector<MemberRecord> records_sent_to(std::string_view to) {
    const auto all = sent();
    if (all.size() != 1 || all[0].type() != MessageType::sync_records || all[0].to != to) {
      ADD_FAILURE() << "expected one sync_records to " << to << ", got " << all.size()
                    << " messages";
      return {};
    }
    return all[0].body<wire::SyncRecords>().records;
  }

  // A message as member `sender` would send it: its endpoint, the
  // incarnation we hold of it ({1, 0} if unknown) and our own digest, so it
  // triggers nothing but what the body and `news` say.
  wire::Message from(std::string_view sender, wire::Body body, std::uint32_t seq = 7,
                     std::vector<MemberRecord> news_items = {}) const {
    wire::Message m;
    const auto* known = ctx.table.find(sender);
    m.header = {
        ctx.params.cluster_id, wire::type_of(body), seq,
        std::string(sender),   endpoint_of(sender), known ? known->incarnation : Incarnation{1, 0},
        ctx.table.digest()};
    m.body = std::move(body);
    m.news = std::move(news_items);
    return m;
  }

  Context ctx;
  Outbox out;
  PeerSelection peers;
  ServicePulls pulls;
  Dissemination news;
  Merger merger;
  ProbeCycle probe;
  AntiEntropy anti_entropy;
};

}  // namespace hearsay::membership::fixture
