#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "tests/support/wait.hpp"

extern char** environ;

namespace hearsay::test_support {

namespace {

// Ours, with `changes` applied, as NAME=VALUE strings.
std::vector<std::string> child_environment(const ChildProcess::Env& changes) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (changes.count(entry.substr(0, entry.find('='))) == 0) env.push_back(entry);
  }
  for (const auto& [name, value] : changes)
    if (value) env.push_back(name + "=" + *value);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// fork + exec with PR_SET_PDEATHSIG (posix_spawn cannot set it). Only
// async-signal-safe calls between fork and exec: the test may have threads.
// Returns 0 or the errno of what failed (fork, or exec in the child).
int spawn_dying_with_parent(pid_t& pid, const char* path, char* const* argv, char* const* envp,
                            int out_fd, int err_fd, int null_fd) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return errno;
  const pid_t parent = ::getpid();
  pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    // Nothing else of ours (sockets of the test's clients) reaches the child.
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    ::execve(path, argv, envp);
    const int e = errno;
    [[maybe_unused]] const auto n = ::write(report[1], &e, sizeof e);
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    return fork_errno;
  }
  // The pipe closes on a successful exec; otherwise it carries exec's errno.
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n <= 0) return 0;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return exec_errno;
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, const Env& env)
    : ChildProcess(std::move(argv), env, Options{}) {}

ChildProcess::ChildProcess(std::vector<std::string> argv, const Env& env, Options options) {
  if (argv.empty()) throw std::invalid_argument("ChildProcess: no program");
  std::vector<std::string> envv = child_environment(env);
  const std::string out_path = files_.file("out");
  const std::string err_path = files_.file("err");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  auto cargv = c_strings(argv);
  auto cenv = c_strings(envv);
  int rc = 0;
  if (options.die_with_parent) {
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out_fd < 0 || err_fd < 0 || null_fd < 0)
      rc = errno;
    else
      rc = spawn_dying_with_parent(pid_, cargv[0], cargv.data(), cenv.data(), out_fd, err_fd,
                                   null_fd);
    for (const int fd : {out_fd, err_fd, null_fd})
      if (fd >= 0) ::close(fd);
  } else {
    rc = ::posix_spawn(&pid_, cargv[0], &actions, nullptr, cargv.data(), cenv.data());
  }
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);  // works on stopped processes too
    reap_blocking();
  }
}

void ChildProcess::reap_blocking() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
}

bool ChildProcess::try_reap() {
  if (status_) return true;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) status_ = status;
  return status_.has_value();
}

bool ChildProcess::running() {
  return !try_reap();
}

bool ChildProcess::signal(int sig) {
  if (status_) return false;
  return ::kill(pid_, sig) == 0;
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds limit) {
  if (!wait_until([&] { return try_reap(); }, limit)) return std::nullopt;
  return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : 128 + WTERMSIG(*status_);
}

RunResult ChildProcess::finish(int sig, std::chrono::milliseconds limit) {
  if (sig != 0) signal(sig);
  RunResult r;
  if (!wait_exit(limit)) {
    r.timed_out = true;
    signal(SIGKILL);
    reap_blocking();
  }
  if (WIFEXITED(*status_)) r.exit_code = WEXITSTATUS(*status_);
  if (WIFSIGNALED(*status_)) r.term_signal = WTERMSIG(*status_);
  r.out = out();
  r.err = err();
  return r;
}

std::string ChildProcess::out() const {
  return read_text(files_.path() / "out");
}

std::string ChildProcess::err() const {
  return read_text(files_.path() / "err");
}

bool ChildProcess::wait_output(
    const std::function<bool(const std::string& out, const std::string& err)>& done,
    std::chrono::milliseconds limit) {
  bool exited = false;
  const bool held = wait_until(
      [&] {
        exited = !running();  // read after: what it wrote before exiting counts
        return done(out(), err()) || exited;
      },
      limit);
  return held && done(out(), err());
}

}  // namespace hearsay::test_support
