#include "demo/cluster/process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace hearsay::tools {

std::string ChildProcess::describe() const {
  if (running) return "running";
  if (exit_code) return "exited with status " + std::to_string(*exit_code);
  if (signal) return std::string("killed by signal ") + std::to_string(*signal);
  return "gone";
}

ProcessRegistry::~ProcessRegistry() {
  stop_all();
}

namespace {

// Only async-signal-safe calls between fork and exec: the launcher has threads.
[[noreturn]] void exec_child(pid_t parent, int log_fd, int null_fd, int err_fd, const char* exe,
                             char* const* argv) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the launcher died before prctl took effect
  setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGPIPE, SIG_DFL);
  dup2(null_fd, 0);
  dup2(log_fd, 1);
  dup2(log_fd, 2);
  dup2(err_fd, 3);
  // Sockets of the launcher's HTTP clients must not leak into the children.
  syscall(SYS_close_range, 4U, ~0U, 0U);
  fcntl(3, F_SETFD, FD_CLOEXEC);
  execv(exe, argv);
  const int e = errno;
  [[maybe_unused]] const auto n = write(3, &e, sizeof e);
  _exit(127);
}

}  // namespace

pid_t ProcessRegistry::spawn(const std::string& name, const std::filesystem::path& exe,
                             const std::vector<std::string>& args,
                             const std::filesystem::path& log) {
  std::vector<std::string> storage;
  storage.push_back(exe.string());
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage)
    argv.push_back(s.data());
  argv.push_back(nullptr);

  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    throw std::runtime_error("cannot open " + log.string() + ": " + std::strerror(errno));
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int err_pipe[2];
  if (null_fd < 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    throw std::runtime_error(std::string("cannot start ") + name + ": " + std::strerror(e));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(parent, log_fd, null_fd, err_pipe[1], storage[0].c_str(), argv.data());
  const int fork_errno = errno;
  ::close(log_fd);
  ::close(null_fd);
  ::close(err_pipe[1]);
  if (pid < 0) {
    ::close(err_pipe[0]);
    throw std::runtime_error("cannot start " + name + ": fork: " + std::strerror(fork_errno));
  }
  // The pipe closes on a successful exec; otherwise it carries exec's errno.
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_pipe[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  ChildProcess child;
  child.name = name;
  child.pid = pid;
  child.log = log;
  children_.push_back(std::move(child));
  if (n > 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    record_exit(children_.back(), status);
    throw std::runtime_error("cannot run " + exe.string() + ": " + std::strerror(exec_errno));
  }
  return pid;
}

void ProcessRegistry::record_exit(ChildProcess& c, int status) {
  c.running = false;
  if (WIFEXITED(status)) c.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) c.signal = WTERMSIG(status);
}

bool ProcessRegistry::signal(pid_t pid, int sig) {
  for (auto& c : children_)
    if (c.pid == pid && c.running) return ::kill(pid, sig) == 0;
  return false;
}

std::vector<ChildProcess> ProcessRegistry::reap_exited() {
  std::vector<ChildProcess> reaped;
  for (auto& c : children_) {
    if (!c.running) continue;
    int status = 0;
    if (::waitpid(c.pid, &status, WNOHANG) == c.pid) {
      record_exit(c, status);
      reaped.push_back(c);
    }
  }
  return reaped;
}

bool ProcessRegistry::wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& c : children_) {
    if (c.pid != pid) continue;
    while (c.running) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        record_exit(c, status);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  return true;
}

void ProcessRegistry::stop_all(std::chrono::milliseconds grace) {
  for (auto& c : children_) {
    if (!c.running) continue;
    ::kill(c.pid, SIGCONT);  // a stopped process cannot act on SIGTERM
    ::kill(c.pid, SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (running_count() > 0 && std::chrono::steady_clock::now() < deadline) {
    reap_exited();
    if (running_count() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& c : children_) {
    if (!c.running) continue;
    ::kill(c.pid, SIGKILL);
    int status = 0;
    while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
    }
    record_exit(c, status);
  }
}

const ChildProcess* ProcessRegistry::find(pid_t pid) const {
  for (const auto& c : children_)
    if (c.pid == pid) return &c;
  return nullptr;
}

std::size_t ProcessRegistry::running_count() const {
  std::size_t n = 0;
  for (const auto& c : children_)
    n += c.running ? 1 : 0;
  return n;
}

}  // namespace hearsay::tools
