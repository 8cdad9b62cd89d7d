// Every kind of bad input makes `hearsay` print exactly one line naming the
// problem ("hearsay: error: ...") and exit 2 for bad usage, 1 otherwise.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/demo/cli_test_support.hpp"

namespace hearsay::cli_test {
namespace {

// Asserts the one-line error contract and that the line mentions `needle`.
void expect_one_line_error(const RunResult& r, int code, const std::string& needle) {
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, code) << "stderr: " << r.err;
  EXPECT_EQ(r.out, "");
  const auto err_lines = lines(r.err);
  ASSERT_EQ(err_lines.size(), 1U) << "stderr: " << r.err;
  EXPECT_EQ(r.err.back(), '\n');
  EXPECT_EQ(err_lines[0].rfind("hearsay: error: ", 0), 0U) << err_lines[0];
  EXPECT_NE(err_lines[0].find(needle), std::string::npos) << err_lines[0];
}

std::string temp_file(const std::string& name, const std::string& content) {
  const std::string path =
      ::testing::TempDir() + "hearsay-cli-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path) << content;
  return path;
}

TEST(CliErrors, UnknownFlag) {
  expect_one_line_error(run_cli({"members", "--bogus"}), 2, "unknown flag --bogus");
  expect_one_line_error(run_cli({"--bogus"}), 2, "unknown flag --bogus");
}

TEST(CliErrors, UnknownSubcommand) {
  expect_one_line_error(run_cli({"frobnicate"}), 2, "unknown command 'frobnicate'");
}

TEST(CliErrors, NoSubcommand) {
  expect_one_line_error(run_cli({}), 2, "no command given");
}

TEST(CliErrors, MissingPositionalArgument) {
  expect_one_line_error(run_cli({"health", "web-1"}), 2, "missing STATUS");
  expect_one_line_error(run_cli({"watch"}), 2, "missing NAME");
}

TEST(CliErrors, MissingFlagValue) {
  expect_one_line_error(run_cli({"members", "--http"}), 2, "--http needs a value");
}

TEST(CliErrors, UnexpectedExtraArgument) {
  expect_one_line_error(run_cli({"members", "extra"}), 2, "unexpected argument 'extra'");
}

TEST(CliErrors, BadHttpAddress) {
  expect_one_line_error(run_cli({"members", "--http", "nonsense"}), 2,
                        "'nonsense' is not HOST:PORT");
  expect_one_line_error(run_cli({"members"}, {{"HEARSAY_HTTP_ADDR", "nonsense"}}), 2,
                        "HEARSAY_HTTP_ADDR: 'nonsense'");
}

TEST(CliErrors, BadHealthStatusNamesTheValidOnes) {
  // Checked before the agent is contacted, so no agent is needed.
  expect_one_line_error(run_cli({"health", "web-1", "sick"}), 2,
                        "'sick' is not a health status; use passing, warning or critical");
}

TEST(CliErrors, TagWithoutServiceName) {
  expect_one_line_error(run_cli({"services", "--tag", "v1"}), 2, "--tag needs a service NAME");
}

TEST(CliErrors, AgentUnreachable) {
  const std::string addr = "127.0.0.1:" + std::to_string(free_port());
  const std::string expected = "hearsay: error: cannot reach the agent at " + addr +
                               " (connection refused); is `hearsay agent` running?\n";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"members", "--http", addr},
        std::vector<std::string>{"services", "--http", addr},
        std::vector<std::string>{"services", "web", "--http", addr},
        std::vector<std::string>{"health", "web-1", "passing", "--http", addr},
        std::vector<std::string>{"watch", "web", "--http", addr}}) {
    const RunResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 1) << args[0] << ": " << r.err;
    EXPECT_EQ(r.err, expected) << args[0];
    EXPECT_EQ(r.out, "") << args[0];
  }
  // The environment variable is the address when --http is absent.
  const RunResult r = run_cli({"members"}, {{"HEARSAY_HTTP_ADDR", addr}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, expected);
}

TEST(CliErrors, AgentBadBindEndpoint) {
  const std::string http = "127.0.0.1:" + std::to_string(free_port());
  expect_one_line_error(run_cli({"agent", "--bind", "nonsense", "--http", http, "--quiet"}), 2,
                        "nonsense");
}

TEST(CliErrors, AgentBadTombstoneTimeout) {
  const std::string http = "127.0.0.1:" + std::to_string(free_port());
  expect_one_line_error(
      run_cli({"agent", "--tombstone-timeout", "soon", "--http", http, "--quiet"}), 2,
      "--tombstone-timeout: 'soon' is not a duration");
  // Shorter than the profile's gossip_to_the_dead (30 s for lan): refused by name.
  expect_one_line_error(run_cli({"agent", "--tombstone-timeout", "5s", "--http", http, "--quiet"}),
                        2, "tombstone_timeout");
}

TEST(CliErrors, AgentMissingConfigFile) {
  const std::string path = ::testing::TempDir() + "hearsay-cli-does-not-exist.json";
  expect_one_line_error(run_cli({"agent", "--config", path, "--quiet"}), 2, path);
}

TEST(CliErrors, AgentMalformedConfigFile) {
  const std::string path = temp_file("malformed.json", "{\"name\": \"node-1\",\n");
  expect_one_line_error(run_cli({"agent", "--config", path, "--quiet"}), 2, path);
}

TEST(CliErrors, AgentConfigUnknownKeyIsNamed) {
  const std::string path = temp_file("unknown-key.json", R"({"name": "node-1", "colour": "red"})");
  expect_one_line_error(run_cli({"agent", "--config", path, "--quiet"}), 2, "colour");
}

TEST(CliErrors, HelpGoesToStdoutAndSucceeds) {
  const RunResult top = run_cli({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_EQ(top.err, "");
  for (const char* command :
       {"agent", "members", "services", "watch", "health", "keygen", "cluster"})
    EXPECT_NE(top.out.find(command), std::string::npos) << command;
  const RunResult sub = run_cli({"services", "--help"});
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_EQ(sub.err, "");
  EXPECT_NE(sub.out.find("--tag"), std::string::npos);
}

TEST(CliErrors, VersionPrintsTheVersion) {
  const RunResult r = run_cli({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("hearsay ", 0), 0U) << r.out;
  EXPECT_EQ(lines(r.out).size(), 1U);
}

}  // namespace
}  // namespace hearsay::cli_test
