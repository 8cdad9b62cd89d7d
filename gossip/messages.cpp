// The message type is implied by the body: Body's alternatives are declared
// in MessageType order, starting at 1.
#include "gossip/messages.hpp"

#include <type_traits>

namespace hearsay::gossip {

namespace {

template <MessageType T>
using BodyOf = std::variant_alternative_t<static_cast<std::size_t>(T) - 1, Body>;

static_assert(std::variant_size_v<Body> == kMaxMessageType);
static_assert(std::is_same_v<BodyOf<MessageType::ping>, Ping>);
static_assert(std::is_same_v<BodyOf<MessageType::nack>, Nack>);
static_assert(std::is_same_v<BodyOf<MessageType::sync_records>, SyncRecords>);
static_assert(std::is_same_v<BodyOf<MessageType::services_pull>, ServicesPull>);

}  // namespace

MessageType type_of(const Body& body) noexcept {
  return static_cast<MessageType>(body.index() + 1);
}

}  // namespace hearsay::gossip
