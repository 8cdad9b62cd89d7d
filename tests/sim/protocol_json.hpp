// The protocol counters of a simulated run as JSON, for hearsay-sim's report
// and the convergence benchmark: every counter of the list (hearsay/stats.hpp),
// messages sent by type, and inbound drops by reason.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "membership/core_stats.hpp"

namespace hearsay::sim {

inline nlohmann::json protocol_json(const membership::CoreStats& s) {
  nlohmann::json j;
#define HEARSAY_JSON_COUNTER(name, help) j[#name] = s.name;
  HEARSAY_PROTOCOL_COUNTERS(HEARSAY_JSON_COUNTER)
#undef HEARSAY_JSON_COUNTER
  auto& by_type = j["messages_out_by_type"] = nlohmann::json::object();
  for (std::size_t t = 1; t < s.messages_out.size(); ++t)
    by_type[std::string(to_string(static_cast<membership::wire::MessageType>(t)))] =
        s.messages_out[t];
  auto& drops = j["dropped"] = nlohmann::json::object();
  for (std::size_t r = 1; r < s.dropped.size(); ++r)
    drops[std::string(to_string(static_cast<membership::wire::DropReason>(r)))] = s.dropped[r];
  return j;
}

}  // namespace hearsay::sim
