// The launcher's children: spawning them, signalling them, reaping them, and
// making sure none outlives the launcher.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hearsay::tools {

struct ChildProcess {
  std::string name;  // "node-03", "web-2", "gateway"
  pid_t pid = -1;
  bool running = true;           // not yet reaped
  std::optional<int> exit_code;  // when it exited normally
  std::optional<int> signal;     // when a signal ended it
  std::filesystem::path log;

  // "exited with status 2", "killed by signal 9", "running"
  std::string describe() const;
};

// Every process the launcher started, and only those. Signals go only to
// children not yet reaped, so a recycled pid is never hit.
class ProcessRegistry {
 public:
  ProcessRegistry() = default;
  ProcessRegistry(const ProcessRegistry&) = delete;
  ProcessRegistry& operator=(const ProcessRegistry&) = delete;
  // Stops every child still running (see stop_all).
  ~ProcessRegistry();

  // Starts `exe` with `args` (argv[1..]), stdout and stderr appended to
  // `log`, stdin from /dev/null, in its own process group (a Ctrl-C at the
  // terminal reaches only the launcher, which then stops the children in
  // order). The child is SIGKILLed by the kernel if the launcher dies
  // (PR_SET_PDEATHSIG), so a crash leaves nothing behind. Call it from the
  // main thread: the death signal follows the thread that forked. Throws
  // std::runtime_error if the program cannot be started.
  pid_t spawn(const std::string& name, const std::filesystem::path& exe,
              const std::vector<std::string>& args, const std::filesystem::path& log);

  // Sends `sig` if `pid` is a child not yet reaped; false otherwise.
  bool signal(pid_t pid, int sig);
  // Reaps every child that has exited; returns the ones reaped by this call.
  std::vector<ChildProcess> reap_exited();
  // Waits up to `timeout` for `pid` to exit and reaps it; true if it did.
  bool wait_exit(pid_t pid, std::chrono::milliseconds timeout);

  // SIGCONT + SIGTERM to every running child, waits up to `grace`, then
  // SIGKILLs what is left and reaps everything.
  void stop_all(std::chrono::milliseconds grace = std::chrono::seconds(3));

  const ChildProcess* find(pid_t pid) const;
  // Every child ever started, in start order (reaped ones included).
  const std::vector<ChildProcess>& children() const { return children_; }
  std::size_t running_count() const;

 private:
  void record_exit(ChildProcess& c, int status);

  std::vector<ChildProcess> children_;
};

}  // namespace hearsay::tools
