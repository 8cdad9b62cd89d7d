// hearsay_fault_tests' main: enters the bed's private network namespace
// before gtest (or anything else) starts a thread, then runs the tests. When
// the bed cannot run (not root, no iptables, unshare refused) the tests that
// need it skip, saying why; the bed's own unit tests run anyway.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/faults/netns.hpp"

int main(int argc, char** argv) {
  const auto problem = hearsay::faults::enter_private_network();
  testing::InitGoogleTest(&argc, argv);
  if (!problem.empty())
    std::fprintf(stderr, "hearsay_fault_tests: no fault bed (%s): its tests skip\n",
                 problem.c_str());
  return RUN_ALL_TESTS();
}
