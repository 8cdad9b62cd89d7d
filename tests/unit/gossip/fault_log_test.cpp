// FaultLog: what the host's log hears of the faults a node survived — sums
// since the last report, at most once a second; the key hint only with
// CURVE; a throwing logger or none at all changes nothing.
#include "gossip/fault_log.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace hearsay::gossip {
namespace {

using namespace std::chrono_literals;
using Lines = std::vector<std::string>;

const membership::TimePoint kT0 = membership::TimePoint{} + 1h;

struct Heard {
  Lines lines;
  LogFn fn() {
    return [this](LogLevel level, std::string_view message) {
      lines.push_back(std::string(to_string(level)) + " " + std::string(message));
    };
  }
};

Stats with_drops(std::map<std::string, std::uint64_t> dropped) {
  Stats s;
  s.dropped = std::move(dropped);
  return s;
}

TEST(FaultLog, NothingIsLoggedBeforeASecondHasPassedSinceTheLastReport) {
  Heard heard;
  FaultLog log(heard.fn(), false);
  log.report(with_drops({{"truncated", 1}}), kT0);
  ASSERT_EQ(heard.lines.size(), 1u);
  log.report(with_drops({{"truncated", 2}}), kT0 + 999ms);
  EXPECT_EQ(heard.lines.size(), 1u);
  log.report(with_drops({{"truncated", 3}}), kT0 + 1s);
  EXPECT_EQ(heard.lines.size(), 2u);
}

TEST(FaultLog, DropsAreSummedByReasonSinceTheLastReport) {
  Heard heard;
  FaultLog log(heard.fn(), false);
  log.report(with_drops({{"malformed", 1}, {"truncated", 3}}), kT0);
  // Held back: counted in the next report, not lost.
  log.report(with_drops({{"malformed", 1}, {"truncated", 4}, {"bad_magic", 1}}), kT0 + 500ms);
  log.report(with_drops({{"malformed", 1}, {"truncated", 5}, {"bad_magic", 2}}), kT0 + 1s);
  // Nothing rose since.
  log.report(with_drops({{"malformed", 1}, {"truncated", 5}, {"bad_magic", 2}}), kT0 + 2s);
  EXPECT_EQ(heard.lines,
            (Lines{"warning hearsay: dropped inbound messages: malformed=1 truncated=3",
                   "warning hearsay: dropped inbound messages: bad_magic=2 truncated=2"}));
}

TEST(FaultLog, OtherFaultsAreLoggedAsCountsSinceTheLastReport) {
  Heard heard;
  FaultLog log(heard.fn(), false);
  Stats s;
  s.callback_errors = 2;
  s.zap_denied = 1;
  log.report(s, kT0);
  s.callback_errors = 5;
  log.report(s, kT0 + 1s);
  EXPECT_EQ(heard.lines,
            (Lines{"warning hearsay: 2 watch callback(s) threw",
                   "warning hearsay: 1 inbound connection(s) refused by the key allow-list",
                   "warning hearsay: 3 watch callback(s) threw"}));
}

bool mentions_keys(const std::string& line) {
  return line.find("CURVE") != std::string::npos || line.find("key") != std::string::npos;
}

TEST(FaultLog, HandshakeFailureMentionsKeysOnlyWithCurve) {
  Stats s;
  s.handshake_failures = 2;
  for (const bool curve : {true, false}) {
    SCOPED_TRACE(curve ? "with CURVE" : "without CURVE");
    Heard heard;
    FaultLog log(heard.fn(), curve);
    log.report(s, kT0);
    ASSERT_EQ(heard.lines.size(), 1u);
    EXPECT_NE(heard.lines[0].find("hearsay: 2 outbound"), std::string::npos) << heard.lines[0];
    EXPECT_EQ(mentions_keys(heard.lines[0]), curve) << heard.lines[0];
  }
}

TEST(FaultLog, ThrowingLoggerIsSwallowed) {
  int calls = 0;
  FaultLog log(
      [&](LogLevel, std::string_view) {
        ++calls;
        throw std::runtime_error("the host's log is broken");
      },
      true);
  EXPECT_NO_THROW(log.log(LogLevel::error, "direct"));
  Stats s;
  s.callback_errors = 1;
  s.zap_denied = 1;
  EXPECT_NO_THROW(log.report(s, kT0));
  // Every line was tried, and the next report still runs.
  EXPECT_EQ(calls, 3);
  s.zap_denied = 2;
  EXPECT_NO_THROW(log.report(s, kT0 + 1s));
  EXPECT_EQ(calls, 4);
}

TEST(FaultLog, WithoutALogCallbackNothingHappens) {
  FaultLog log(LogFn{}, true);
  Stats s;
  s.callback_errors = 1;
  s.dropped = {{"truncated", 1}};
  EXPECT_NO_THROW(log.log(LogLevel::error, "to nobody"));
  EXPECT_NO_THROW(log.report(s, kT0));
}

}  // namespace
}  // namespace hearsay::gossip
