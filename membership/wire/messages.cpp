// The message type is implied by the body: Body's alternatives are declared
// in MessageType order, starting at 1.
#include "membership/wire/messages.hpp"

#include <type_traits>

namespace hearsay::membership::wire {

namespace {

template <MessageType T>
using BodyOf = std::variant_alternative_t<static_cast<std::size_t>(T) - 1, Body>;

static_assert(std::variant_size_v<Body> == kMaxMessageType);
static_assert(std::is_same_v<BodyOf<MessageType::ping>, Ping>);
static_assert(std::is_same_v<BodyOf<MessageType::nack>, Nack>);
static_assert(std::is_same_v<BodyOf<MessageType::sync_records>, SyncRecords>);
static_assert(std::is_same_v<BodyOf<MessageType::services_pull>, ServicesPull>);

}  // namespace

std::string_view to_string(MessageType t) noexcept {
  static constexpr std::string_view kNames[] = {
      "unknown",  "ping",         "ack",       "ping_req",     "nack",         "gossip",
      "sync_req", "sync_summary", "sync_pull", "sync_records", "services_pull"};
  const auto i = static_cast<std::size_t>(t);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

MessageType type_of(const Body& body) noexcept {
  return static_cast<MessageType>(body.index() + 1);
}

}  // namespace hearsay::membership::wire
