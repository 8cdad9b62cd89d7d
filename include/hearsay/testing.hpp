// Test hooks: what tests of code that embeds hearsay need and production
// code must not use.
#pragma once

#include "hearsay/node.hpp"

namespace hearsay::testing {

// Stops the node's thread at once, without a word to anyone, as a crash
// would: no leave, sockets closed. The Node object stays valid; every later
// call on it is a no-op (reads return the last snapshots).
void stop_abruptly(Node& node);

}  // namespace hearsay::testing
