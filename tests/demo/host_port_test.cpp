// HOST:PORT, parsed once for every demo program (demo/common/host_port.hpp):
// the same rules for the echo's and the gateway's --listen, the agent's and
// the CLI's --http, and tcp checks.
#include "demo/common/host_port.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/demo/usage_error_util.hpp"

namespace hearsay::tools {
namespace {

// The one-line message parse_host_port refuses `text` with.
std::string error_for(const std::string& text, PortZero zero = PortZero::refused) {
  return usage_error_of([&] { parse_host_port(text, "--listen", zero); }, text);
}

TEST(HostPort, ParsesNamesIpv4AndBracketedIpv6) {
  struct Case {
    const char* text;
    const char* host;
    std::uint16_t port;
  };
  for (const Case& c :
       {Case{"127.0.0.1:8080", "127.0.0.1", 8080}, Case{"localhost:1", "localhost", 1},
        Case{"[::1]:8080", "::1", 8080}, Case{"[fe80::1%lo]:65535", "fe80::1%lo", 65535},
        Case{"0.0.0.0:80", "0.0.0.0", 80}}) {
    const auto hp = parse_host_port(c.text, "--listen");
    EXPECT_EQ(hp.host, c.host) << c.text;
    EXPECT_EQ(hp.port, c.port) << c.text;
    EXPECT_EQ(hp.to_string(), c.text);  // and back
  }
}

TEST(HostPort, PortZeroOnlyWhereItMeansAnyFreePort) {
  EXPECT_EQ(parse_host_port("127.0.0.1:0", "--http", PortZero::any).port, 0);
  EXPECT_EQ(parse_host_port("[::1]:0", "--http", PortZero::any).host, "::1");
  EXPECT_EQ(error_for("127.0.0.1:0"),
            "--listen: '127.0.0.1:0' is not HOST:PORT (like 127.0.0.1:8080 or [::1]:8080); the "
            "port must be a number from 1 to 65535");
  EXPECT_NE(error_for("127.0.0.1:65536", PortZero::any).find("from 0 to 65535 (0: any free port)"),
            std::string::npos);
}

TEST(HostPort, BareIpv6NeedsBrackets) {
  EXPECT_EQ(error_for("::1:8080"),
            "--listen: '::1:8080' is not HOST:PORT (like 127.0.0.1:8080 or [::1]:8080); write an "
            "IPv6 host in brackets");
}

TEST(HostPort, UrlIsNotAnAddress) {
  EXPECT_EQ(error_for("http://127.0.0.1:8080"),
            "--listen: 'http://127.0.0.1:8080' is not HOST:PORT (like 127.0.0.1:8080 or "
            "[::1]:8080); no scheme or path");
}

TEST(HostPort, EveryMalformedAddressIsOneLineNamingTheFieldAndText) {
  for (const char* bad : {"", "nonsense", "localhost", ":8080", "host:", "host:8x", "host:-1",
                          "host:+80", "host:99999999999", "[::1]", "[::1]8080", "[::1", "[]:80",
                          "http://127.0.0.1:80", "127.0.0.1:80/path", "a b:80"}) {
    const auto e = error_for(bad);
    EXPECT_EQ(e.rfind("--listen: '" + std::string(bad) + "' is not HOST:PORT", 0), 0u) << e;
  }
}

}  // namespace
}  // namespace hearsay::tools
