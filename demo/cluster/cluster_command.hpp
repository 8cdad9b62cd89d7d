// `hearsay cluster`: the demo launcher (docs/demo.md).
#pragma once

#include <CLI/CLI.hpp>

namespace hearsay::tools {

// Registers the `cluster` subcommand and its flags on `app`.
void add_cluster_command(CLI::App& app);

}  // namespace hearsay::tools
