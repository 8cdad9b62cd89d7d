// The fault bed's private network: a network namespace of the test process's
// own, entered with unshare(CLONE_NEWNET) before any thread exists. It has
// only a loopback interface, brought up here; 127.0.0.2, 127.0.0.3, ... work
// on it without setup. Unnamed, it vanishes with its last process: the test
// process and the agents it starts (which die with it, PR_SET_PDEATHSIG), so
// every exit path deletes it and nothing here touches the host's network.
#pragma once

#include <string>

namespace hearsay::faults {

// Moves this process into a fresh network namespace and brings its lo up.
// Call first thing in main(), before any thread starts (threads started
// before it stay in the old namespace). Returns "" on success, else why the
// bed cannot run (not root, unshare refused, iptables missing); the process
// is then unchanged. Later calls return the first call's answer.
std::string enter_private_network();

// The answer of enter_private_network(), or "not entered" if it was never
// called.
const std::string& private_network_problem();

// In a gtest body: skip, saying why, when the fault bed cannot run here.
#define REQUIRE_FAULT_BED()                                                           \
  do {                                                                                \
    if (const auto& why = ::hearsay::faults::private_network_problem(); !why.empty()) \
      GTEST_SKIP() << "no fault bed: " << why;                                        \
  } while (false)

// The iptables program (from PATH, /usr/sbin or /sbin); "" if none.
std::string find_program(const std::string& name);

}  // namespace hearsay::faults
