// Running the `hearsay` binary from the CLI tests: one-shot runs with their
// output captured, and a long-running agent. Processes, waits and ports come
// from tests/support; every wait is bounded.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

#include "tests/support/child_process.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/wait.hpp"

namespace hearsay::cli_test {

using namespace std::chrono_literals;
using test_support::ChildProcess;
using test_support::free_port;
using test_support::read_text;
using test_support::RunResult;

// Generous: the test machine is shared and slow.
inline constexpr auto kRunTimeout = 60s;

// `hearsay ARGS...` as a child, with `env` applied to our environment minus
// HEARSAY_HTTP_ADDR (a developer's setting must not steer the tests).
inline std::unique_ptr<ChildProcess> start_cli(const std::vector<std::string>& args,
                                               ChildProcess::Env env = {}) {
  std::vector<std::string> argv{HEARSAY_CLI_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  env.emplace("HEARSAY_HTTP_ADDR", std::nullopt);  // unless the test sets it
  return std::make_unique<ChildProcess>(argv, env);
}

// Runs `hearsay ARGS...` to completion (killed after `timeout`).
inline RunResult run_cli(const std::vector<std::string>& args, const ChildProcess::Env& env = {},
                         std::chrono::seconds timeout = kRunTimeout) {
  return start_cli(args, env)->finish(0, timeout);
}

// The lines of `text`, without their '\n'.
inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    out.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

// A real `hearsay agent` on loopback with free ports (--profile local,
// --quiet), its output shown when a test fails. The destructor stops it with
// SIGTERM, then SIGKILL, and reaps it.
class Agent {
 public:
  explicit Agent(const std::vector<std::string>& extra_args, const std::string& name = "cli-node") {
    const int bind_port = free_port();
    http_addr_ = "127.0.0.1:" + std::to_string(free_port());
    std::vector<std::string> args{"agent",
                                  "--profile",
                                  "local",
                                  "--name",
                                  name,
                                  "--bind",
                                  "tcp://127.0.0.1:" + std::to_string(bind_port),
                                  "--http",
                                  http_addr_,
                                  "--quiet"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    child_ = start_cli(args);
  }

  ~Agent() {
    if (child_) child_->finish(SIGTERM, 20s);
  }

  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  const std::string& http_addr() const { return http_addr_; }
  std::string log() const { return child_->out() + child_->err(); }

  // GET `path` on the control API; nullopt when the agent does not answer.
  std::optional<std::string> get(const std::string& path) const {
    const auto colon = http_addr_.rfind(':');
    httplib::Client client(http_addr_.substr(0, colon), std::stoi(http_addr_.substr(colon + 1)));
    client.set_connection_timeout(2s);
    client.set_read_timeout(10s);
    auto res = client.Get(path.c_str());
    if (!res || res->status != 200) return std::nullopt;
    return res->body;
  }

  // True once GET `path` answers 200 with a body containing `needle`
  // (bounded by `bound`; false if the agent exited or never got there).
  bool wait_for(const std::string& path, const std::string& needle,
                std::chrono::milliseconds bound = 60s) {
    bool exited = false;
    const auto there = [&] {
      const auto body = get(path);
      exited = !child_->running();
      return (body && body->find(needle) != std::string::npos) || exited;
    };
    return test_support::wait_until(there, bound) && !exited;
  }

 private:
  std::string http_addr_;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace hearsay::cli_test
