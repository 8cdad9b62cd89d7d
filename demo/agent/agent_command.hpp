// `hearsay agent`: a node as a sidecar process (docs/agent.md).
#pragma once

#include <CLI/CLI.hpp>

namespace hearsay::tools {

// Registers the `agent` subcommand and its flags on `app`.
void add_agent_command(CLI::App& app);

}  // namespace hearsay::tools
