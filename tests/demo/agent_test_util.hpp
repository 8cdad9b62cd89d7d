// Agent configs for the agent tests (processes, waits and ports come from
// tests/support).
#pragma once

#include <string>

#include "demo/agent/agent_config.hpp"

namespace hearsay::tools::agent_test {

// An agent for one test: local profile, any free ports, quiet.
inline AgentConfig local_agent(const std::string& name) {
  AgentConfig c;
  c.name = name;
  c.bind = "tcp://127.0.0.1:0";
  c.profile = "local";
  c.http = "127.0.0.1:0";
  c.quiet = true;
  return c;
}

}  // namespace hearsay::tools::agent_test
