// Private state records of Core, shared by its implementation files.
#pragma once

#include <cstdint>
#include <string>

#include "membership/core.hpp"

namespace hearsay::membership {

// The probe in flight: one per probe period (SWIM).
struct Core::Probe {
  std::string target;
  std::string endpoint;
  std::uint32_t seq = 0;
  TimePoint sent;          // for round-trip time
  TimePoint ack_deadline;  // then ask helpers (ping-req)
  TimePoint period_end;    // then suspect
  bool indirect_sent = false;
  int expected_nacks = 0;
  int nacks = 0;
};

// A ping we send on behalf of a requester (we are its indirect-probe helper).
struct Core::Relay {
  std::string requester_endpoint;
  std::uint32_t requester_seq = 0;
  TimePoint deadline;  // then answer nack
};

// A service set we know the version of but not the contents.
struct Core::PendingPull {
  Incarnation version;
  TimePoint deadline;
  bool asked_owner = false;
};

}  // namespace hearsay::membership
