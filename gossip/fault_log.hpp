// FaultLog: tells the host's log callback (Config::log) about faults the
// node survived — inbound messages dropped (by reason), watch callbacks
// that threw, clients refused by the key allow-list, outbound handshakes
// that failed. Faults are counted in Stats as they happen; the log hears
// about them summed, at most once a second, so garbage on the wire cannot
// flood the host's log too. A logger that throws is ignored.
#pragma once

#include <optional>
#include <string>

#include "hearsay/log.hpp"
#include "hearsay/stats.hpp"
#include "membership/time.hpp"

namespace hearsay::gossip {

class FaultLog {
 public:
  // `curve`: the node uses CurveZMQ, so a failed handshake may be a key problem.
  FaultLog(LogFn fn, bool curve) : fn_(std::move(fn)), curve_(curve) {}

  void log(LogLevel level, const std::string& message) const;
  // Logs what rose since the last report, if a second has passed.
  void report(const Stats& now_stats, membership::TimePoint now);

 private:
  LogFn fn_;
  bool curve_;
  std::optional<Stats> last_;
  membership::TimePoint next_at_{};
};

}  // namespace hearsay::gossip
