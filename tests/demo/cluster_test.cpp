// End-to-end runs of `hearsay cluster`: a short scenario on a five-node
// cluster must agree within its bounds without misrouted requests and leave
// no process behind, also when interrupted; bad options exit 2.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A scratch directory removed at the end of the test.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "hearsay-cluster-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// `hearsay cluster ...` with stdout and stderr in files; killed and reaped
// on destruction if still running (its children die with it: PR_SET_PDEATHSIG).
class Launcher {
 public:
  Launcher(const std::vector<std::string>& args, const fs::path& out, const fs::path& err)
      : out_(out), err_(err) {
    std::vector<std::string> argv_s{HEARSAY_CLI_BIN, "cluster"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_s)
      argv.push_back(s.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(o, 1);
      ::dup2(e, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~Launcher() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  Launcher(const Launcher&) = delete;
  Launcher& operator=(const Launcher&) = delete;

  pid_t pid() const { return pid_; }
  // The exit code if it exited within `limit` (SIGKILLed and reaped otherwise).
  std::optional<int> wait(std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!status_) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        status_ = st;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &st, 0);
        status_ = st;
        return std::nullopt;
      }
      std::this_thread::sleep_for(100ms);
    }
    if (WIFEXITED(*status_)) return WEXITSTATUS(*status_);
    return 128 + WTERMSIG(*status_);
  }
  std::string out() const { return read_text(out_); }
  std::string err() const { return read_text(err_); }

 private:
  fs::path out_, err_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

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
  ScratchDir dir;
  ASSERT_FALSE(dir.path.empty());
  const auto report_path = dir.path / "r.json";
  Launcher run({"--nodes", "5", "--profile", "local", "--non-interactive", "--report",
                report_path.string(), "--work-dir", (dir.path / "work").string()},
               dir.path / "out.txt", dir.path / "err.txt");
  const auto code = run.wait(280s);
  ASSERT_TRUE(code.has_value()) << "did not finish in 280 s\n" << run.out() << run.err();
  EXPECT_EQ(*code, 0) << run.out() << run.err();
  ASSERT_TRUE(fs::exists(report_path)) << run.out() << run.err();
  const auto report = nlohmann::json::parse(read_text(report_path));
  EXPECT_TRUE(report["ok"].get<bool>());
  EXPECT_FALSE(report["converged_ms"].is_null());
  EXPECT_TRUE(report["skipped"].empty());
  // Every step ran: 7 steps, health and partition measure two agreements each.
  ASSERT_EQ(report["steps"].size(), 9u) << report["steps"].dump(2);
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
  expect_no_process_left(report);
  // The summary table reached stdout.
  EXPECT_NE(run.out().find("AGREED IN"), std::string::npos);
}

TEST(ClusterLauncher, InterruptLeavesNoProcessBehind) {
  ScratchDir dir;
  ASSERT_FALSE(dir.path.empty());
  const auto report_path = dir.path / "r.json";
  Launcher run({"--nodes", "4", "--profile", "local", "--non-interactive", "--report",
                report_path.string(), "--work-dir", (dir.path / "work").string()},
               dir.path / "out.txt", dir.path / "err.txt");
  // Interrupt once the scenario is under way.
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (run.out().find("cluster converged") == std::string::npos && run.err().empty() &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  ASSERT_NE(run.out().find("cluster converged"), std::string::npos) << run.out() << run.err();
  ASSERT_EQ(::kill(run.pid(), SIGINT), 0);
  const auto code = run.wait(60s);
  ASSERT_TRUE(code.has_value()) << "did not stop within 60 s of SIGINT";
  EXPECT_EQ(*code, 130) << run.out() << run.err();
  ASSERT_TRUE(fs::exists(report_path));
  const auto report = nlohmann::json::parse(read_text(report_path));
  EXPECT_TRUE(report["interrupted"].get<bool>());
  EXPECT_FALSE(report["ok"].get<bool>());
  expect_no_process_left(report);
}

void expect_usage_error(const std::vector<std::string>& args, const std::string& names) {
  ScratchDir dir;
  Launcher run(args, dir.path / "out.txt", dir.path / "err.txt");
  const auto code = run.wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  const auto err = run.err();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find(names), std::string::npos) << err;
  EXPECT_EQ(err.rfind("hearsay: error: ", 0), 0u) << err;
}

TEST(ClusterLauncher, TooFewNodesIsAUsageError) {
  expect_usage_error({"--nodes", "2"}, "--nodes");
}

TEST(ClusterLauncher, UnknownStepIsAUsageError) {
  expect_usage_error({"--steps", "kill,bogus"}, "bogus");
}

TEST(ClusterLauncher, BadDurationIsAUsageError) {
  expect_usage_error({"--step-timeout", "soon"}, "--step-timeout");
}

}  // namespace
