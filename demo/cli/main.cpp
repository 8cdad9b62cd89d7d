// `hearsay`: the agent, the client commands that talk to it, keygen and the
// demo launcher in one binary (docs/cli.md). Every failure is one line on
// stderr: exit 2 for bad usage, 1 for anything else (demo/common/errors.hpp).
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "demo/agent/agent_command.hpp"
#include "demo/cli/client_commands.hpp"
#include "demo/cli/keygen_command.hpp"
#include "demo/cli/watch_command.hpp"
#include "demo/cluster/cluster_command.hpp"
#include "demo/common/errors.hpp"

#ifndef HEARSAY_VERSION
#define HEARSAY_VERSION "0.1.0"
#endif

namespace {

using hearsay::tools::kExitUsage;

int fail(const std::string& message, int code) {
  return hearsay::tools::report_error("hearsay", message, code);
}

std::string command_names(CLI::App& app) {
  std::string names;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (!names.empty()) names += ", ";
    names += sub->get_name();
  }
  return names;
}

// "hearsay members" for the subcommand being parsed, "hearsay" without one.
std::string command_path(CLI::App& app) {
  std::string path = "hearsay";
  for (const CLI::App* sub : app.get_subcommands())
    path += " " + sub->get_name();
  return path;
}

// CLI11's messages, reworded to name the problem the way the rest of the
// tool does, with a pointer to the right --help.
std::string describe(CLI::App& app, const CLI::ParseError& e) {
  const std::string help = " (see " + command_path(app) + " --help)";
  const std::string what = e.what();
  std::vector<std::string> extras = app.remaining(true);
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr ||
      (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && !extras.empty())) {
    if (extras.empty()) return what + help;
    const std::string& first = extras.front();
    if (first.size() > 1 && first.front() == '-') return "unknown flag " + first + help;
    return "unexpected argument '" + first + "'" + help;
  }
  if (what == "A subcommand is required")
    return "no command given; commands: " + command_names(app) + " (see hearsay --help)";
  // "--http: 1 required TEXT missing"
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr && what.ends_with(" missing")) {
    const auto colon = what.find(':');
    if (colon != std::string::npos) return what.substr(0, colon) + " needs a value" + help;
  }
  const std::string required = " is required";
  if (what.size() > required.size() && what.ends_with(required))
    return "missing " + what.substr(0, what.size() - required.size()) + help;
  return what + help;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "hearsay: peer-to-peer service discovery. Run `hearsay agent` on each host;\n"
      "the other commands talk to the local agent (docs/cli.md).",
      "hearsay"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hearsay " HEARSAY_VERSION);
  hearsay::tools::add_agent_command(app);
  hearsay::tools::add_client_commands(app);
  hearsay::tools::add_watch_command(app);
  hearsay::tools::add_keygen_command(app);
  hearsay::tools::add_cluster_command(app);

  // CLI11 would report `hearsay frob` as a missing command; name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    const std::string first = argv[1];
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
      known = known || sub->check_name(first);
    if (!known)
      return fail("unknown command '" + first + "'; commands: " + command_names(app) +
                      " (see hearsay --help)",
                  kExitUsage);
  }

  // The commands run inside parse(); their errors are run_main's.
  return hearsay::tools::run_main("hearsay", [&] {
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e);  // help and --version go to stdout, exit 0
    } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
      return app.exit(e);
    } catch (const CLI::RuntimeError& e) {
      // A command asking to exit with a given code, message or not.
      const std::string what = e.what();
      if (e.get_exit_code() == 0 || what.empty() || what == "Runtime error")
        return e.get_exit_code();
      return fail(what, e.get_exit_code());
    } catch (const CLI::ParseError& e) {
      return fail(describe(app, e), kExitUsage);
    }
    return 0;
  });
}
