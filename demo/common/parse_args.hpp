// Command-line parsing shared by the tools that have no subcommands (the
// echo service, the gateway): --help prints and ends the program normally,
// anything else wrong is a UsageError (one line, exit 2, via run_main).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>

#include "demo/common/errors.hpp"

namespace hearsay::tools {

// False if the user asked for --help (printed on stdout): the caller exits 0.
inline bool parse_args(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return false;
  } catch (const CLI::ParseError& e) {
    throw UsageError(e.what());
  }
  return true;
}

}  // namespace hearsay::tools
