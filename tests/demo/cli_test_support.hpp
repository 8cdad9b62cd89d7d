// Running the `hearsay` binary from the CLI tests: one-shot runs with their
// output captured, long-running children (an agent, a watch) that are always
// killed and reaped, and free ports. Everything waits with a bound.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

extern char** environ;

namespace hearsay::cli_test {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Generous: the test machine is shared and slow.
inline constexpr auto kRunTimeout = 60s;

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal
  int term_signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
};

// The environment for children: ours, minus HEARSAY_HTTP_ADDR (a developer's
// setting must not steer the tests), plus `extra`.
inline std::vector<std::string> child_env(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string key = entry.substr(0, entry.find('='));
    if (key == "HEARSAY_HTTP_ADDR" || extra.count(key) != 0) continue;
    env.push_back(entry);
  }
  for (const auto& [k, v] : extra)
    env.push_back(k + "=" + v);
  return env;
}

inline std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Waits for `pid` until `deadline`; SIGKILLs it if it is still running then.
// Always reaps. Returns the wait status and whether it had to kill.
inline std::pair<int, bool> reap(pid_t pid, Clock::time_point deadline) {
  int status = 0;
  while (true) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return {status, false};
    if (r < 0 && errno != EINTR) return {0, false};
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(10ms);  // polling a bounded wait, not synchronising
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return {status, true};
}

// A child of HEARSAY_CLI_BIN. stdout and stderr are pipes the test reads,
// or both go to `log_path` when one is given (for a long-running agent whose
// output nobody drains); the destructor kills and reaps.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
        const std::string& log_path = {}) {
    std::vector<std::string> argv{HEARSAY_CLI_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> envv = child_env(env);
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (log_path.empty()) {
      posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
      posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    } else {
      posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
      posix_spawn_file_actions_adddup2(&actions, 1, 2);
    }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    auto cargv = c_strings(argv);
    auto cenv = c_strings(envv);
    const int rc =
        ::posix_spawn(&pid_, argv[0].c_str(), &actions, nullptr, cargv.data(), cenv.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    out_fd_ = out_pipe[0];
    err_fd_ = err_pipe[0];
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error(std::string("posix_spawn failed: ") + std::strerror(rc));
    }
  }

  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      reap(pid_, Clock::now());
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
  }

  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }

  // False once the child has exited (it is reaped then).
  bool running() {
    if (pid_ <= 0 || reaped_) return false;
    if (::waitpid(pid_, &status_, WNOHANG) != pid_) return true;
    reaped_ = true;
    return false;
  }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

  // Reads output until `done(out, err)` holds or `deadline`; false on
  // timeout or when both streams ended first.
  bool read_until(const std::function<bool(const std::string&, const std::string&)>& done,
                  Clock::time_point deadline) {
    while (!done(out_, err_)) {
      if (out_fd_ < 0 && err_fd_ < 0) return false;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pump(static_cast<int>(left.count()));
    }
    return true;
  }

  // Sends `sig` (if not -1), drains output and waits for exit until
  // `deadline`, then kills. The result says whether it had to.
  RunResult finish(int sig, Clock::time_point deadline) {
    if (sig > 0 && !reaped_) ::kill(pid_, sig);
    read_until([](const std::string&, const std::string&) { return false; }, deadline);
    int status = status_;
    bool killed = false;
    if (!reaped_) std::tie(status, killed) = reap(pid_, deadline);
    reaped_ = true;
    RunResult r;
    r.timed_out = killed;
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.term_signal = WTERMSIG(status);
    pump(0);
    r.out = out_;
    r.err = err_;
    return r;
  }

 private:
  // One poll round over the open pipes; closes a pipe at EOF.
  void pump(int timeout_ms) {
    pollfd fds[2];
    int n = 0;
    if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
    if (n == 0) return;
    if (::poll(fds, static_cast<nfds_t>(n), timeout_ms) <= 0) return;
    for (int i = 0; i < n; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buf[4096];
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      int& fd = fds[i].fd == out_fd_ ? out_fd_ : err_fd_;
      std::string& sink = fds[i].fd == out_fd_ ? out_ : err_;
      if (got > 0) {
        sink.append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fd);
        fd = -1;
      }
    }
  }

  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
};

// Runs `hearsay ARGS...` to completion (killed after `timeout`).
inline RunResult run_cli(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env = {},
                         std::chrono::seconds timeout = kRunTimeout) {
  Child child(args, env);
  return child.finish(-1, Clock::now() + timeout);
}

// A TCP port nothing listens on right now (the kernel's pick, released).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("cannot pick a free port");
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
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

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A real `hearsay agent` on loopback with free ports (--profile local,
// --quiet), its output in a log file shown when a test fails. The
// destructor stops it with SIGTERM, then SIGKILL, and reaps it.
class Agent {
 public:
  explicit Agent(const std::vector<std::string>& extra_args, const std::string& name = "cli-node") {
    const int bind_port = free_port();
    http_addr_ = "127.0.0.1:" + std::to_string(free_port());
    log_path_ = ::testing::TempDir() + "hearsay-cli-agent-" + std::to_string(::getpid()) + "-" +
                std::to_string(bind_port) + ".log";
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
    child_ = std::make_unique<Child>(args, std::map<std::string, std::string>{}, log_path_);
  }

  ~Agent() {
    if (child_) child_->finish(SIGTERM, Clock::now() + 20s);
  }

  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  const std::string& http_addr() const { return http_addr_; }
  std::string log() const { return read_file(log_path_); }

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
  bool wait_for(const std::string& path, const std::string& needle, Clock::duration bound = 60s) {
    const auto deadline = Clock::now() + bound;
    while (Clock::now() < deadline) {
      if (auto body = get(path); body && body->find(needle) != std::string::npos) return true;
      if (!child_->running()) return false;
      std::this_thread::sleep_for(50ms);  // polling a bounded wait
    }
    return false;
  }

 private:
  std::string http_addr_;
  std::string log_path_;
  std::unique_ptr<Child> child_;
};

}  // namespace hearsay::cli_test
