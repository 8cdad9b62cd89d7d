// The message type is implied by the body: Body's alternatives are declared
// in MessageType order, starting at 1.
#include "membership/wire/messages.hpp"

#include <type_traits>

#include "hearsay/stats.hpp"

namespace hearsay::membership::wire {

namespace {

template <MessageType T>
using BodyOf = std::variant_alternative_t<static_cast<std::size_t>(T) - 1, Body>;

static_assert(std::variant_size_v<Body> == kMaxMessageType);
// The public list of type names (the keys of Stats::messages_in) is the only spelling.
static_assert(kMessageTypeNames.size() == kMaxMessageType);
static_assert(std::is_same_v<BodyOf<MessageType::ping>, Ping>);
static_assert(std::is_same_v<BodyOf<MessageType::nack>, Nack>);
static_assert(std::is_same_v<BodyOf<MessageType::sync_records>, SyncRecords>);
static_assert(std::is_same_v<BodyOf<MessageType::services_pull>, ServicesPull>);

}  // namespace

std::string_view to_string(MessageType t) noexcept {
  const auto i = static_cast<std::size_t>(t);
  return i >= 1 && i <= kMaxMessageType ? kMessageTypeNames[i - 1] : "unknown";
}

MessageType type_of(const Body& body) noexcept {
  return static_cast<MessageType>(body.index() + 1);
}

}  // namespace hearsay::membership::wire
