#include "demo/common/stop_signals.hpp"

#include <pthread.h>
#include <unistd.h>

namespace hearsay::tools {

StopSignals::StopSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int StopSignals::wait() {
  int sig = 0;
  while (sigwait(&set_, &sig) != 0) {
  }
  return woken_ ? 0 : sig;
}

void StopSignals::wake() {
  woken_ = true;
  // To the process: every thread blocks it, so it stays pending until wait()
  // takes it, however late that is.
  ::kill(::getpid(), SIGTERM);
}

}  // namespace hearsay::tools
