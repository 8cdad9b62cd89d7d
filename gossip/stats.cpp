// Stats rendered in the Prometheus text exposition format, version 0.0.4.
//
// Every metric is written on every call, in a fixed order, with its HELP and
// TYPE lines, so scrapes are stable and diffable. A labelled family with no
// samples yet still gets its HELP and TYPE lines (the format allows that).
// Counters end in "_total"; gauges do not. Label values come from maps keyed
// by names we did not necessarily choose, so they are escaped.
#include "hearsay/stats.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace hearsay {

namespace {

constexpr std::string_view kPrefix = "hearsay_";

// HELP text escapes backslash and newline; label values also escape '"'.
void append_escaped(std::string& out, std::string_view s, bool quote) {
  for (const char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

class Writer {
 public:
  void header(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += kPrefix;
    out_ += name;
    out_ += ' ';
    append_escaped(out_, help, false);
    out_ += "\n# TYPE ";
    out_ += kPrefix;
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  void sample(std::string_view name, std::uint64_t value) {
    out_ += kPrefix;
    out_ += name;
    value_(value);
  }

  void sample(std::string_view name, std::string_view label, std::string_view label_value,
              std::uint64_t value) {
    out_ += kPrefix;
    out_ += name;
    out_ += '{';
    out_ += label;
    out_ += "=\"";
    append_escaped(out_, label_value, true);
    out_ += "\"}";
    value_(value);
  }

  void counter(std::string_view name, std::string_view help, std::uint64_t value) {
    header(name, "counter", help);
    sample(name, value);
  }

  void gauge(std::string_view name, std::string_view help, std::uint64_t value) {
    header(name, "gauge", help);
    sample(name, value);
  }

  void counter(std::string_view name, std::string_view help, std::string_view label,
               const std::map<std::string, std::uint64_t>& values) {
    header(name, "counter", help);
    for (const auto& [label_value, value] : values)  // std::map: sorted, deterministic
      sample(name, label, label_value, value);
  }

  std::string take() { return std::move(out_); }

 private:
  void value_(std::uint64_t v) {
    out_ += ' ';
    out_ += std::to_string(v);
    out_ += '\n';
  }

  std::string out_;
};

}  // namespace

std::string Stats::to_prometheus() const {
  Writer w;
  w.counter("messages_in_total", "Messages received, by message type.", "type", messages_in);
  w.counter("messages_out_total", "Messages sent, by message type.", "type", messages_out);
  w.counter("bytes_in_total", "Bytes received.", bytes_in);
  w.counter("bytes_out_total", "Bytes sent.", bytes_out);
  w.counter("dropped_total", "Inbound messages dropped, by reason.", "reason", dropped);
  w.counter("send_dropped_total", "Outbound messages dropped because a peer queue was full.",
            send_dropped);
  w.counter("probes_total", "Direct probes sent.", probes);
  w.counter("indirect_probes_total", "Indirect probe requests sent.", indirect_probes);
  w.counter("suspicions_total", "Members moved to suspect.", suspicions);
  w.counter("refutations_total", "Times this node refuted a suspicion about itself.", refutations);
  w.counter("deaths_declared_total", "Suspicion timeouts that declared a member dead here.",
            deaths_declared);
  w.counter("syncs_total", "Full state syncs.", syncs);
  w.counter("connections_opened_total", "Outbound connections opened.", connections_opened);
  w.counter("connections_closed_total", "Outbound connections closed.", connections_closed);
  w.counter("callback_errors_total", "Exceptions thrown by watch callbacks.", callback_errors);
  w.counter("commands_rejected_total", "Calls refused on the node thread (a race with limits).",
            commands_rejected);
  w.counter("peer_disconnects_total", "Peer connections that closed (failure hints).",
            peer_disconnects);
  w.counter("zap_denied_total", "Inbound CURVE clients refused by the allow-list.", zap_denied);
  w.counter("handshake_failures_total", "Outbound CURVE handshakes that failed.",
            handshake_failures);
  w.counter("key_switches_total", "Peers redialled with another cluster key (key rotation).",
            key_switches);
  w.counter("queued_lost_total", "Sends lost with a connection closed before its handshake.",
            queued_lost);

  w.header("members", "gauge", "Members known to this node, by state.");
  w.sample("members", "state", "alive", members_alive);
  w.sample("members", "state", "suspect", members_suspect);
  w.sample("members", "state", "dead", members_dead);
  w.sample("members", "state", "left", members_left);
  w.gauge("awareness", "Lifeguard local health score; 0 is healthy.", awareness);
  w.gauge("broadcast_queue", "News waiting to be piggybacked.", broadcast_queue);
  w.gauge("command_queue", "User calls waiting for the node thread.", command_queue);
  w.gauge("outbound_connections", "Open outbound connections.", outbound_connections);
  return w.take();
}

}  // namespace hearsay
