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
  w.counter("dropped_total", "Inbound messages dropped, by reason.", "reason", dropped);
#define HEARSAY_COUNTER(name, help) w.counter(#name "_total", help, name);
  HEARSAY_PROTOCOL_COUNTERS(HEARSAY_COUNTER)
  HEARSAY_TRANSPORT_COUNTERS(HEARSAY_COUNTER)
  HEARSAY_NODE_COUNTERS(HEARSAY_COUNTER)
#undef HEARSAY_COUNTER
#define HEARSAY_GAUGE(name, help) w.gauge(#name, help, name);
  HEARSAY_GAUGES(HEARSAY_GAUGE)
#undef HEARSAY_GAUGE
  w.header("members", "gauge", "Members known to this node, by state.");
#define HEARSAY_MEMBERS(state) w.sample("members", "state", #state, members_##state);
  HEARSAY_MEMBER_STATES(HEARSAY_MEMBERS)
#undef HEARSAY_MEMBERS
  return w.take();
}

}  // namespace hearsay
