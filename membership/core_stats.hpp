// CoreStats: what the protocol core counts — the protocol counters of the
// public Stats (defined once, in hearsay/stats.hpp), plus messages by type
// and inbound drops by reason, indexed by the wire's enums. Nothing from the
// network is logged and forgotten.
#pragma once

#include <array>
#include <cstdint>

#include "hearsay/stats.hpp"
#include "membership/wire/drop_reason.hpp"
#include "membership/wire/messages.hpp"

namespace hearsay::membership {

struct CoreStats : ProtocolCounters {
  static constexpr std::size_t kTypes = wire::kMaxMessageType + 1;
  std::array<std::uint64_t, kTypes> messages_in{};              // by MessageType
  std::array<std::uint64_t, kTypes> messages_out{};             // by MessageType
  std::array<std::uint64_t, wire::kDropReasonCount> dropped{};  // by DropReason

  // Adds `other`'s counts to these (simulator totals).
  void add(const CoreStats& other);
};

}  // namespace hearsay::membership
