// End-to-end runs of `hearsay cluster`: a short scenario on a five-node
// cluster must agree within its bounds without misrouted requests and leave
// no process behind, also when interrupted; bad options exit 2.
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/child_process.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using hearsay::test_support::ChildProcess;
using hearsay::test_support::read_text;
using hearsay::test_support::RunResult;
using hearsay::test_support::ScratchDir;

// `hearsay cluster ARGS...`; killed and reaped with the ChildProcess (its
// own children die with it: PR_SET_PDEATHSIG).
std::unique_ptr<ChildProcess> launch(const std::vector<std::string>& args) {
  std::vector<std::string> argv{HEARSAY_CLI_BIN, "cluster"};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<ChildProcess>(argv);
}

bool process_gone(int pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

// Every process the report lists is gone.
void expect_no_process_left(const nlohmann::json& report) {
  ASSERT_TRUE(report.contains("processes"));
  EXPECT_FALSE(report["processes"].empty());
  for (const auto& p : report["processes"])
    EXPECT_TRUE(process_gone(p["pid"].get<int>()))
        << p["name"] << " (pid " << p["pid"] << ") is still running";
}

TEST(ClusterLauncher, ShortScenarioAgreesWithinBoundsAndCleansUp) {
  ScratchDir dir("cluster-test");
  const auto report_path = dir.file("r.json");
  const auto run = launch({"--nodes", "5", "--profile", "local", "--non-interactive", "--report",
                           report_path, "--work-dir", dir.file("work")});
  const RunResult r = run->finish(0, 280s);
  ASSERT_FALSE(r.timed_out) << "did not finish in 280 s\n" << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_TRUE(fs::exists(report_path)) << r.out << r.err;
  const auto report = nlohmann::json::parse(read_text(report_path));
  EXPECT_TRUE(report["ok"].get<bool>());
  EXPECT_FALSE(report["converged_ms"].is_null());
  EXPECT_TRUE(report["skipped"].empty());
  // Every step ran, in the default order, named as the simulator names them:
  // health and partition measure two agreements each.
  std::vector<std::string> names;
  for (const auto& s : report["steps"])
    names.push_back(s["step"]);
  EXPECT_EQ(names, (std::vector<std::string>{"advertise", "crash", "pause", "leave", "health",
                                             "health", "partition", "partition", "restart"}));
  for (const auto& s : report["steps"]) {
    SCOPED_TRACE(s.dump());
    EXPECT_TRUE(s["ok"].get<bool>());
    ASSERT_FALSE(s["agreed_ms"].is_null());
    EXPECT_LE(s["agreed_ms"].get<long>(), s["bound_ms"].get<long>());
    EXPECT_EQ(s["routed_after_agreement"].get<int>(), 0);
    EXPECT_EQ(s["errors_after_agreement"].get<int>(), 0);
    EXPECT_GT(s["requests"].get<int>(), 0);
  }
  EXPECT_EQ(report["totals"]["routed_after_agreement"].get<int>(), 0);
  EXPECT_TRUE(report["config"]["plan"].contains("crash")) << report["config"]["plan"];
  expect_no_process_left(report);
  // The summary table reached stdout.
  EXPECT_NE(r.out.find("AGREED IN"), std::string::npos);
}

TEST(ClusterLauncher, InterruptLeavesNoProcessBehind) {
  ScratchDir dir("cluster-test");
  const auto report_path = dir.file("r.json");
  const auto run = launch({"--nodes", "4", "--profile", "local", "--non-interactive", "--report",
                           report_path, "--work-dir", dir.file("work")});
  // Interrupt once the scenario is under way.
  const auto under_way = [](const std::string& out, const std::string& err) {
    return out.find("cluster converged") != std::string::npos || !err.empty();
  };
  run->wait_output(under_way, 120s);
  ASSERT_NE(run->out().find("cluster converged"), std::string::npos) << run->out() << run->err();
  ASSERT_TRUE(run->signal(SIGINT));
  const RunResult r = run->finish(0, 60s);
  ASSERT_FALSE(r.timed_out) << "did not stop within 60 s of SIGINT";
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  ASSERT_TRUE(fs::exists(report_path));
  const auto report = nlohmann::json::parse(read_text(report_path));
  EXPECT_TRUE(report["interrupted"].get<bool>());
  EXPECT_FALSE(report["ok"].get<bool>());
  expect_no_process_left(report);
}

void expect_usage_error(const std::vector<std::string>& args, const std::string& names) {
  const RunResult r = launch(args)->finish(0, 30s);
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(names), std::string::npos) << r.err;
  EXPECT_EQ(r.err.rfind("hearsay: error: ", 0), 0u) << r.err;
}

TEST(ClusterLauncher, TooFewNodesIsAUsageError) {
  expect_usage_error({"--nodes", "2"}, "--nodes");
}

TEST(ClusterLauncher, UnknownStepIsAUsageError) {
  expect_usage_error({"--steps", "crash,bogus"}, "bogus");
}

TEST(ClusterLauncher, BadDurationIsAUsageError) {
  expect_usage_error({"--step-timeout", "soon"}, "--step-timeout");
}

}  // namespace
