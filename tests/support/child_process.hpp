// One child process for a test: started with posix_spawn, its stdout and
// stderr each written to a file of its own (so nobody has to drain a pipe and
// a test can show them when it fails), signalled only while it is not reaped
// (a reaped pid may belong to someone else by then), and always killed and
// reaped on destruction, whatever the test did. Every wait is bounded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/scratch_dir.hpp"

namespace hearsay::test_support {

// How a child that was waited for ended, and what it wrote.
struct RunResult {
  int exit_code = -1;  // -1 if a signal killed it
  int term_signal = 0;
  bool timed_out = false;  // it had to be killed at the end of the wait
  std::string out;
  std::string err;
};

class ChildProcess {
 public:
  // Environment changes for the child: set a variable, or remove it (nullopt).
  using Env = std::map<std::string, std::optional<std::string>>;

  struct Options {
    // SIGKILL it when the thread that started it ends (the test process
    // crashed or was killed), so nothing outlives the test (PR_SET_PDEATHSIG;
    // start it from a thread that lives as long as it should, e.g. main).
    bool die_with_parent = false;
  };

  // Starts argv[0] (a path) with `argv`; stdin is /dev/null and the
  // environment is ours with `env` applied. Throws std::runtime_error if it
  // cannot be started.
  explicit ChildProcess(std::vector<std::string> argv, const Env& env = {});
  ChildProcess(std::vector<std::string> argv, const Env& env, Options options);
  ~ChildProcess();  // SIGKILL if still running, reap, remove the output files
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // False once it has exited (it is reaped then).
  bool running();
  // Sends `sig`; false if it was already reaped (or kill failed).
  bool signal(int sig);

  // Its exit code once it exits within `limit` (128 + N if signal N killed
  // it, as a shell reports it); nullopt if it is still running then.
  std::optional<int> wait_exit(std::chrono::milliseconds limit);
  // Sends `sig` (unless 0), waits up to `limit` for it to exit, SIGKILLs it
  // if it has not; returns how it ended and all it wrote.
  RunResult finish(int sig, std::chrono::milliseconds limit);

  // What it wrote so far.
  std::string out() const;
  std::string err() const;
  // True once `done(out(), err())` holds; false if it still does not after
  // `limit`, or the child exited without it holding.
  bool wait_output(const std::function<bool(const std::string& out, const std::string& err)>& done,
                   std::chrono::milliseconds limit);

 private:
  bool try_reap();       // true if it has exited (status_ set)
  void reap_blocking();  // after a SIGKILL

  ScratchDir files_{"child"};
  pid_t pid_ = -1;
  std::optional<int> status_;  // the wait status, once reaped
};

}  // namespace hearsay::test_support
