#include "gossip/fault_log.hpp"

#include <chrono>

namespace hearsay::gossip {

void FaultLog::log(LogLevel level, const std::string& message) const {
  if (!fn_) return;
  try {
    fn_(level, message);
  } catch (...) {
    // The host's logger failing must not take the node down.
  }
}

void FaultLog::report(const Stats& s, membership::TimePoint now) {
  if (!fn_ || now < next_at_) return;
  next_at_ = now + std::chrono::seconds(1);
  const Stats before = last_ ? *last_ : Stats{};
  std::string drops;
  for (const auto& [reason, n] : s.dropped) {
    auto it = before.dropped.find(reason);
    const auto was = it == before.dropped.end() ? 0 : it->second;
    if (n > was) drops += " " + reason + "=" + std::to_string(n - was);
  }
  if (!drops.empty()) log(LogLevel::warning, "hearsay: dropped inbound messages:" + drops);
  const auto rose = [&](std::uint64_t now_v, std::uint64_t was, const char* what) {
    if (now_v > was) log(LogLevel::warning, "hearsay: " + std::to_string(now_v - was) + " " + what);
  };
  rose(s.callback_errors, before.callback_errors, "watch callback(s) threw");
  rose(s.zap_denied, before.zap_denied, "inbound connection(s) refused by the key allow-list");
  // Without CURVE no key can be wrong: the peer closed before the ZeroMQ
  // greeting completed (not a hearsay node, or one restarting).
  rose(s.handshake_failures, before.handshake_failures,
       curve_ ? "outbound CURVE handshake(s) failed (wrong cluster key?)"
              : "outbound connection(s) closed by the peer before the ZeroMQ handshake completed");
  last_ = s;
}

}  // namespace hearsay::gossip
