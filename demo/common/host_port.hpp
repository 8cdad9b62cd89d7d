// HOST:PORT, the one way every demo program takes a TCP address (--listen,
// --http, HEARSAY_HTTP_ADDR, a tcp health check): "127.0.0.1:8080",
// "localhost:8080", or "[::1]:8080" — an IPv6 host in brackets, since a bare
// one cannot be told apart from its port.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hearsay::tools {

struct HostPort {
  std::string host;  // without brackets
  std::uint16_t port = 0;

  // Back to text: "127.0.0.1:8080", "[::1]:8080".
  std::string to_string() const;
};

// Whether port 0 is accepted, meaning "any free port" (for servers that
// report the port they got).
enum class PortZero : std::uint8_t { refused, any };

// Parses `text`. Throws UsageError naming `field` and what is wrong:
// "--listen: '[::1' is not HOST:PORT (like 127.0.0.1:8080 or [::1]:8080)".
HostPort parse_host_port(std::string_view text, std::string_view field,
                         PortZero zero = PortZero::refused);

}  // namespace hearsay::tools
