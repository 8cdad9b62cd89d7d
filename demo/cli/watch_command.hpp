// `hearsay watch NAME`: follows one service's events through the agent's
// /v1/events long-poll until Ctrl-C (docs/cli.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace hearsay::tools {

void add_watch_command(CLI::App& app);

// One event as a line: "12:00:01.234  added  web-3  node-2  passing  http://..."
// (local time; fields the event lacks are left out). Member events read
// "12:00:01.234  member dead  node-3  tcp://...".
std::string event_line(const nlohmann::json& event);

}  // namespace hearsay::tools
