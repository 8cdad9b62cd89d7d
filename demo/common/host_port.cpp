#include "demo/common/host_port.hpp"

#include <charconv>

#include "demo/common/errors.hpp"

namespace hearsay::tools {

std::string HostPort::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

HostPort parse_host_port(std::string_view text, std::string_view field, PortZero zero) {
  const auto bad = [&](std::string_view why) {
    return UsageError(std::string(field) + ": '" + std::string(text) +
                      "' is not HOST:PORT (like 127.0.0.1:8080 or [::1]:8080)" + std::string(why));
  };
  HostPort out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw bad("");
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) throw bad("");
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (out.host.find_first_of("/[]") != std::string::npos) throw bad("; no scheme or path");
    if (out.host.find(':') != std::string::npos) throw bad("; write an IPv6 host in brackets");
  }
  if (out.host.empty() || out.host.find_first_of(" \t") != std::string::npos) throw bad("");
  const unsigned lowest = zero == PortZero::any ? 0 : 1;
  const std::string range = "; the port must be a number from " + std::to_string(lowest) +
                            " to 65535" + (zero == PortZero::any ? " (0: any free port)" : "");
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535 ||
      value < lowest)
    throw bad(range);
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

}  // namespace hearsay::tools
