// The CLI's pure parts: table layout, the renderings of the agent's answers,
// event lines, --http / HEARSAY_HTTP_ADDR resolution.
#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "demo/cli/agent_client.hpp"
#include "demo/cli/client_commands.hpp"
#include "demo/cli/table.hpp"
#include "demo/cli/watch_command.hpp"
#include "demo/common/errors.hpp"

namespace hearsay::tools {
namespace {

using nlohmann::json;

TEST(CliTable, AlignsColumnsWithTwoSpacesAndNoTrailingBlanks) {
  const std::string out = render_table({"NAME", "STATE"}, {{"node-1", "alive"}, {"n2", "suspect"}});
  EXPECT_EQ(out,
            "NAME    STATE\n"
            "node-1  alive\n"
            "n2      suspect\n");
}

TEST(CliTable, HeaderWiderThanCellsSetsTheWidth) {
  EXPECT_EQ(render_table({"INSTANCES", "X"}, {{"1", "a"}}), "INSTANCES  X\n1          a\n");
}

TEST(CliTable, HeaderOnlyWhenThereAreNoRows) {
  EXPECT_EQ(render_table({"A", "B"}, {}), "A  B\n");
}

TEST(CliTable, ShortRowsAndEmptyLastCellsLeaveNoTrailingSpaces) {
  EXPECT_EQ(render_table({"A", "B", "C"}, {{"x"}, {"yy", "z", ""}}),
            "A   B  C\n"
            "x\n"
            "yy  z\n");
}

TEST(CliTable, WidthCountsUtf8CodePointsNotBytes) {
  // "nœud" is 4 characters in 5 bytes.
  EXPECT_EQ(render_table({"NAME", "S"}, {{"nœud", "a"}, {"n", "b"}}),
            "NAME  S\n"
            "nœud  a\n"
            "n     b\n");
}

TEST(CliTable, MembersTableHasTheSpecColumns) {
  const json members = json::parse(R"([
    {"name": "node-1", "endpoint": "tcp://127.0.0.1:7946", "state": "alive", "services": 2},
    {"name": "node-10", "endpoint": "tcp://127.0.0.1:7947", "state": "suspect", "services": 0}])");
  EXPECT_EQ(members_table(members),
            "NAME     ENDPOINT              STATE    SERVICES\n"
            "node-1   tcp://127.0.0.1:7946  alive    2\n"
            "node-10  tcp://127.0.0.1:7947  suspect  0\n");
}

TEST(CliTable, ServicesTableListsCountsByName) {
  EXPECT_EQ(services_table(json{{"web", 3}, {"api", 1}}),
            "SERVICE  INSTANCES\n"
            "api      1\n"
            "web      3\n");
}

TEST(CliTable, InstancesTableShowsTagsRttAndSuspectMembers) {
  const json instances = json::parse(R"([
    {"member": "node-1", "member_state": "alive", "name": "web", "id": "web-1",
     "endpoint": "http://127.0.0.1:8081", "tags": ["v1", "blue"], "meta": {}, "health": "passing",
     "weight": 1, "rtt_us": 1234},
    {"member": "node-2", "member_state": "suspect", "name": "web", "id": "web-2",
     "endpoint": "http://127.0.0.1:8082", "tags": [], "meta": {}, "health": "warning",
     "weight": 1, "rtt_us": null}])");
  EXPECT_EQ(instances_table(instances),
            "ID     MEMBER            ENDPOINT               HEALTH   TAGS     RTT\n"
            "web-1  node-1            http://127.0.0.1:8081  passing  v1,blue  1.2ms\n"
            "web-2  node-2 (suspect)  http://127.0.0.1:8082  warning  -        -\n");
}

TEST(CliTable, RttPicksAReadableUnit) {
  EXPECT_EQ(format_rtt(std::nullopt), "-");
  EXPECT_EQ(format_rtt(850), "850us");
  EXPECT_EQ(format_rtt(1250), "1.2ms");
  EXPECT_EQ(format_rtt(2500000), "2.50s");
}

TEST(CliTable, ServiceEventLineHasTypeIdMemberHealthEndpoint) {
  const json e = json::parse(R"({"seq": 7, "time_ms": 1700000001234, "kind": "service",
    "type": "added", "member": "node-2", "endpoint": "http://127.0.0.1:8083", "service": "web",
    "id": "web-3", "health": "passing"})");
  const std::string line = event_line(e);
  // The clock part depends on the local time zone; its shape and the
  // milliseconds do not.
  ASSERT_GE(line.size(), 14U) << line;
  EXPECT_EQ(line.substr(8, 4), ".234") << line;
  EXPECT_EQ(line.substr(12), "  added  web-3  node-2  passing  http://127.0.0.1:8083");
}

TEST(CliTable, MemberEventLineSaysMember) {
  const json e = json::parse(R"({"seq": 8, "time_ms": 1700000001000, "kind": "member",
    "type": "dead", "member": "node-3", "endpoint": "tcp://127.0.0.1:7948"})");
  EXPECT_EQ(event_line(e).substr(12), "  member dead  node-3  tcp://127.0.0.1:7948");
}

TEST(CliTable, PathSegmentsArePercentEncoded) {
  EXPECT_EQ(encode_path_segment("web-1_a.b~"), "web-1_a.b~");
  EXPECT_EQ(encode_path_segment("a/b c?"), "a%2Fb%20c%3F");
}

TEST(CliTable, HttpAddrComesFromFlagThenEnvThenDefault) {
  const char* outer = std::getenv(kHttpAddrEnv);
  const std::optional<std::string> saved = outer ? std::optional<std::string>(outer) : std::nullopt;
  ::unsetenv(kHttpAddrEnv);
  EXPECT_EQ(resolve_http_addr(""), "127.0.0.1:7900");
  ::setenv(kHttpAddrEnv, "127.0.0.1:7999", 1);
  EXPECT_EQ(resolve_http_addr(""), "127.0.0.1:7999");
  EXPECT_EQ(resolve_http_addr("localhost:8000"), "localhost:8000");
  EXPECT_EQ(resolve_http_addr("[::1]:8000"), "[::1]:8000");
  ::setenv(kHttpAddrEnv, "nonsense", 1);
  EXPECT_THROW(resolve_http_addr(""), UsageError);
  ::unsetenv(kHttpAddrEnv);
  for (const char* bad : {"nonsense", "host:", ":80", "host:0", "host:65536", "host:8x", "::1:80"})
    EXPECT_THROW(resolve_http_addr(bad), UsageError) << bad;
  if (saved) ::setenv(kHttpAddrEnv, saved->c_str(), 1);
}

}  // namespace
}  // namespace hearsay::tools
