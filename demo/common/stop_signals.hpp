// SIGTERM and SIGINT as events a thread waits for, not handlers: stopping a
// server, leaving the cluster or aborting a request are not
// async-signal-safe. Every long-running demo program (the agent, the gateway,
// the echo service, `hearsay watch`) stops this way.
#pragma once

#include <signal.h>

#include <atomic>

namespace hearsay::tools {

class StopSignals {
 public:
  // Blocks SIGTERM and SIGINT in the calling thread. Construct it first in
  // main, before any thread starts: threads inherit the mask, so only wait()
  // ever takes the signals. They stay blocked after destruction: a second
  // signal on the way (a double Ctrl-C) must not kill the program while it
  // shuts down.
  StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Blocks until SIGTERM or SIGINT arrives (returns it) or wake() is called
  // (returns 0).
  int wait();
  // Makes wait() return 0, from any thread, before or while it waits.
  void wake();

 private:
  sigset_t set_{};
  std::atomic<bool> woken_{false};
};

}  // namespace hearsay::tools
