// CoreStats: what the protocol core counts. Drops are counted per reason;
// nothing from the network is logged and forgotten.
#pragma once

#include <array>
#include <cstdint>

#include "membership/wire/drop_reason.hpp"
#include "membership/wire/messages.hpp"

namespace hearsay::membership {

struct CoreStats {
  static constexpr std::size_t kTypes = wire::kMaxMessageType + 1;
  std::array<std::uint64_t, kTypes> messages_in{};   // by MessageType
  std::array<std::uint64_t, kTypes> messages_out{};  // by MessageType
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::array<std::uint64_t, wire::kDropReasonCount> dropped{};  // by DropReason
  std::uint64_t probes = 0;
  std::uint64_t indirect_probes = 0;  // ping-reqs we sent
  std::uint64_t probes_failed = 0;
  std::uint64_t suspicions = 0;         // members we moved to suspect (ours or heard)
  std::uint64_t suspicions_raised = 0;  // by our own failed probes
  std::uint64_t refutations = 0;        // times we refuted a claim about ourselves
  std::uint64_t deaths_declared = 0;    // suspicion timeouts that fired here
  std::uint64_t syncs_started = 0;
  std::uint64_t syncs_served = 0;
  std::uint64_t news_applied = 0;
  std::uint64_t news_sent = 0;  // news items piggybacked, all messages
  std::uint64_t stale_acks = 0;
  std::uint64_t failure_hints = 0;
  std::uint64_t pauses_detected = 0;
  std::uint64_t services_pulled = 0;
};

}  // namespace hearsay::membership
