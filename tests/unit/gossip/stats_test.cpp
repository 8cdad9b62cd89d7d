// Stats::to_prometheus: exact text for a small Stats, the line grammar of the
// text exposition format 0.0.4, and escaping of label values.
#include "hearsay/stats.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace hearsay {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

Stats small_stats() {
  Stats s;
  s.messages_in = {{"ping", 12}, {"ack", 3}};
  s.messages_out = {{"ping", 11}};
  s.bytes_in = 1500;
  s.bytes_out = 1400;
  s.dropped = {{"truncated", 3}};
  s.probes = 5;
  s.suspicions = 1;
  s.members_alive = 8;
  s.members_suspect = 1;
  s.broadcast_queue = 2;
  s.outbound_connections = 4;
  return s;
}

constexpr const char* kSmallStatsText =
    R"(# HELP hearsay_messages_in_total Messages received, by message type.
# TYPE hearsay_messages_in_total counter
hearsay_messages_in_total{type="ack"} 3
hearsay_messages_in_total{type="ping"} 12
# HELP hearsay_messages_out_total Messages sent, by message type.
# TYPE hearsay_messages_out_total counter
hearsay_messages_out_total{type="ping"} 11
# HELP hearsay_dropped_total Inbound messages dropped, by reason.
# TYPE hearsay_dropped_total counter
hearsay_dropped_total{reason="truncated"} 3
# HELP hearsay_bytes_in_total Bytes received.
# TYPE hearsay_bytes_in_total counter
hearsay_bytes_in_total 1500
# HELP hearsay_bytes_out_total Bytes sent.
# TYPE hearsay_bytes_out_total counter
hearsay_bytes_out_total 1400
# HELP hearsay_probes_total Direct probes sent.
# TYPE hearsay_probes_total counter
hearsay_probes_total 5
# HELP hearsay_indirect_probes_total Indirect probe requests (ping-req) sent.
# TYPE hearsay_indirect_probes_total counter
hearsay_indirect_probes_total 0
# HELP hearsay_probes_failed_total Probes that ended without an ack, after their recheck rounds.
# TYPE hearsay_probes_failed_total counter
hearsay_probes_failed_total 0
# HELP hearsay_probe_rechecks_total Recheck rounds: a silent period for a member held alive, probed again before accusing.
# TYPE hearsay_probe_rechecks_total counter
hearsay_probe_rechecks_total 0
# HELP hearsay_stale_acks_total Acks that matched no probe in flight (late or duplicate), ignored.
# TYPE hearsay_stale_acks_total counter
hearsay_stale_acks_total 0
# HELP hearsay_relays_refused_total Ping-req requests refused: 1,024 already in flight for others.
# TYPE hearsay_relays_refused_total counter
hearsay_relays_refused_total 0
# HELP hearsay_failure_hints_total Closed connections to live members, probed next.
# TYPE hearsay_failure_hints_total counter
hearsay_failure_hints_total 0
# HELP hearsay_refusals_total Connection attempts a live member's endpoint refused (ours or a helper's).
# TYPE hearsay_refusals_total counter
hearsay_refusals_total 0
# HELP hearsay_refusal_suspicions_total Suspicions raised on refusal evidence, with a short confirmation window.
# TYPE hearsay_refusal_suspicions_total counter
hearsay_refusal_suspicions_total 0
# HELP hearsay_pauses_detected_total Times this node found it had not run for a while (stopped, paused).
# TYPE hearsay_pauses_detected_total counter
hearsay_pauses_detected_total 0
# HELP hearsay_suspicions_total Members moved to suspect, on our own evidence or on others'.
# TYPE hearsay_suspicions_total counter
hearsay_suspicions_total 1
# HELP hearsay_suspicions_raised_total Suspicions raised by this node's own failed probes.
# TYPE hearsay_suspicions_raised_total counter
hearsay_suspicions_raised_total 0
# HELP hearsay_refutations_total Times this node refuted a suspicion or death claim about itself.
# TYPE hearsay_refutations_total counter
hearsay_refutations_total 0
# HELP hearsay_deaths_declared_total Suspicion timeouts that declared a member dead here.
# TYPE hearsay_deaths_declared_total counter
hearsay_deaths_declared_total 0
# HELP hearsay_news_applied_total Claims about members that changed this node's view.
# TYPE hearsay_news_applied_total counter
hearsay_news_applied_total 0
# HELP hearsay_news_sent_total News items sent, piggybacked or in gossip messages.
# TYPE hearsay_news_sent_total counter
hearsay_news_sent_total 0
# HELP hearsay_corrections_sent_total Replies to senders of refuted accusations with the member's newer record.
# TYPE hearsay_corrections_sent_total counter
hearsay_corrections_sent_total 0
# HELP hearsay_syncs_total Anti-entropy syncs this node started (joins, digest mismatches, timers).
# TYPE hearsay_syncs_total counter
hearsay_syncs_total 0
# HELP hearsay_syncs_served_total Anti-entropy syncs this node answered with a summary.
# TYPE hearsay_syncs_served_total counter
hearsay_syncs_served_total 0
# HELP hearsay_services_pulled_total Service sets received after being announced by version only.
# TYPE hearsay_services_pulled_total counter
hearsay_services_pulled_total 0
# HELP hearsay_transport_sent_total Messages handed to a peer's connection queue.
# TYPE hearsay_transport_sent_total counter
hearsay_transport_sent_total 0
# HELP hearsay_send_dropped_total Outbound messages dropped: a peer queue full, or no connection.
# TYPE hearsay_send_dropped_total counter
hearsay_send_dropped_total 0
# HELP hearsay_transport_received_total Messages read from the inbound socket.
# TYPE hearsay_transport_received_total counter
hearsay_transport_received_total 0
# HELP hearsay_receive_dropped_total Inbound messages the transport dropped (multipart, socket errors).
# TYPE hearsay_receive_dropped_total counter
hearsay_receive_dropped_total 0
# HELP hearsay_connections_opened_total Outbound connections opened.
# TYPE hearsay_connections_opened_total counter
hearsay_connections_opened_total 0
# HELP hearsay_connections_closed_total Outbound connections this node closed (idle, pool full, dead).
# TYPE hearsay_connections_closed_total counter
hearsay_connections_closed_total 0
# HELP hearsay_peer_disconnects_total Outbound connections closed by the peer or a stall (hints).
# TYPE hearsay_peer_disconnects_total counter
hearsay_peer_disconnects_total 0
# HELP hearsay_connect_refused_total Outbound connection attempts refused at once (nothing listening).
# TYPE hearsay_connect_refused_total counter
hearsay_connect_refused_total 0
# HELP hearsay_zap_denied_total Inbound CURVE clients refused by the key allow-list.
# TYPE hearsay_zap_denied_total counter
hearsay_zap_denied_total 0
# HELP hearsay_handshake_failures_total Outbound connections whose handshake failed (keys, mechanism).
# TYPE hearsay_handshake_failures_total counter
hearsay_handshake_failures_total 0
# HELP hearsay_key_switches_total Peers redialled with another cluster key (key rotation).
# TYPE hearsay_key_switches_total counter
hearsay_key_switches_total 0
# HELP hearsay_queued_lost_total Sends lost with a connection closed before its handshake.
# TYPE hearsay_queued_lost_total counter
hearsay_queued_lost_total 0
# HELP hearsay_callback_errors_total Exceptions thrown by watch callbacks.
# TYPE hearsay_callback_errors_total counter
hearsay_callback_errors_total 0
# HELP hearsay_sends_blocked_total Outbound messages dropped by Node::block_peers (fault injection).
# TYPE hearsay_sends_blocked_total counter
hearsay_sends_blocked_total 0
# HELP hearsay_awareness Lifeguard local health score; 0 is healthy.
# TYPE hearsay_awareness gauge
hearsay_awareness 0
# HELP hearsay_broadcast_queue News waiting to be piggybacked.
# TYPE hearsay_broadcast_queue gauge
hearsay_broadcast_queue 2
# HELP hearsay_command_queue User calls waiting for the node thread.
# TYPE hearsay_command_queue gauge
hearsay_command_queue 0
# HELP hearsay_outbound_connections Open outbound connections.
# TYPE hearsay_outbound_connections gauge
hearsay_outbound_connections 4
# HELP hearsay_members Members known to this node, by state.
# TYPE hearsay_members gauge
hearsay_members{state="alive"} 8
hearsay_members{state="suspect"} 1
hearsay_members{state="dead"} 0
hearsay_members{state="left"} 0
)";

TEST(Stats, PrometheusExactText) {
  EXPECT_EQ(small_stats().to_prometheus(), kSmallStatsText);
}

TEST(Stats, PrometheusIsDeterministic) {
  const Stats s = small_stats();
  EXPECT_EQ(s.to_prometheus(), s.to_prometheus());
  Stats copy = s;
  EXPECT_EQ(copy.to_prometheus(), s.to_prometheus());
}

TEST(Stats, PrometheusLineGrammar) {
  Stats s = small_stats();
  s.dropped["bad\"reason\\with\nnewline"] = 1;
  s.messages_in["ümlaut ping"] = 18446744073709551615ULL;
  const std::string text = s.to_prometheus();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');

  const std::regex help(R"(# HELP hearsay_[a-z_]+ [^\n]+)");
  const std::regex type(R"(# TYPE hearsay_[a-z_]+ (counter|gauge))");
  const std::regex sample(
      R"((hearsay_[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"\})? [0-9]+)");
  std::set<std::string> typed;
  std::string current_type;
  for (const auto& line : lines_of(text)) {
    std::smatch m;
    if (std::regex_match(line, m, type)) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(typed.insert(name).second) << "TYPE twice: " << line;
      const bool counter = m[1] == "counter";
      const bool total = name.size() > 6 && name.ends_with("_total");
      EXPECT_EQ(counter, total) << "counters and only counters end in _total: " << line;
      current_type = name;
    } else if (std::regex_match(line, help)) {
      // fine
    } else if (std::regex_match(line, m, sample)) {
      EXPECT_EQ(m[1].str(), current_type) << "sample outside its family: " << line;
    } else {
      ADD_FAILURE() << "not a comment or a sample: [" << line << "]";
    }
  }
  // One family per listed counter and gauge, plus the three maps and members.
#define HEARSAY_ONE(name, help) +1
  constexpr std::size_t kFamilies =
      4 HEARSAY_PROTOCOL_COUNTERS(HEARSAY_ONE) HEARSAY_TRANSPORT_COUNTERS(HEARSAY_ONE)
          HEARSAY_NODE_COUNTERS(HEARSAY_ONE) HEARSAY_GAUGES(HEARSAY_ONE);
#undef HEARSAY_ONE
  EXPECT_EQ(typed.size(), kFamilies);
}

// Each counter and gauge of the lists reaches the text as its own sample
// with its own value (a distinct value per field, so a mix-up shows).
TEST(Stats, EveryListedMetricIsRenderedWithItsValue) {
  Stats s;
  std::uint64_t next = 1000;
  std::vector<std::pair<std::string, std::uint64_t>> want;
#define HEARSAY_SET_COUNTER(name, help) \
  s.name = ++next;                      \
  want.emplace_back("hearsay_" #name "_total", s.name);
#define HEARSAY_SET_GAUGE(name, help) \
  s.name = ++next;                    \
  want.emplace_back("hearsay_" #name, s.name);
  HEARSAY_PROTOCOL_COUNTERS(HEARSAY_SET_COUNTER)
  HEARSAY_TRANSPORT_COUNTERS(HEARSAY_SET_COUNTER)
  HEARSAY_NODE_COUNTERS(HEARSAY_SET_COUNTER)
  HEARSAY_GAUGES(HEARSAY_SET_GAUGE)
#undef HEARSAY_SET_COUNTER
#undef HEARSAY_SET_GAUGE
  ASSERT_GE(want.size(), 30u);
  const auto text = s.to_prometheus();
  for (const auto& [metric, value] : want)
    EXPECT_NE(text.find("\n" + metric + " " + std::to_string(value) + "\n"), std::string::npos)
        << metric;
}

TEST(Stats, PrometheusEscapesLabelValues) {
  Stats s;
  s.dropped = {{"a\"b\\c\nd", 7}};
  const std::string text = s.to_prometheus();
  EXPECT_NE(text.find("hearsay_dropped_total{reason=\"a\\\"b\\\\c\\nd\"} 7\n"), std::string::npos)
      << text;
}

TEST(Stats, PrometheusEmptyFamiliesKeepHeaders) {
  const std::string text = Stats{}.to_prometheus();
  EXPECT_NE(text.find("# TYPE hearsay_messages_in_total counter\n"
                      "# HELP hearsay_messages_out_total"),
            std::string::npos);
  EXPECT_EQ(text.find("hearsay_messages_in_total{"), std::string::npos);
  EXPECT_NE(text.find("hearsay_members{state=\"alive\"} 0\n"), std::string::npos);
}

TEST(Stats, PrometheusLargeCounters) {
  Stats s;
  s.bytes_in = 18446744073709551615ULL;
  EXPECT_NE(s.to_prometheus().find("hearsay_bytes_in_total 18446744073709551615\n"),
            std::string::npos);
}

}  // namespace
}  // namespace hearsay
