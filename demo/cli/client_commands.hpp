// `hearsay members`, `services`, `health`: read and change what the local
// agent knows through its control API (docs/cli.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace hearsay::tools {

// Registers members, services and health on `app`.
void add_client_commands(CLI::App& app);

// The table renderings, from the agent's JSON answers (exposed for tests).
std::string members_table(const nlohmann::json& members);      // GET /v1/members
std::string services_table(const nlohmann::json& counts);      // GET /v1/services
std::string instances_table(const nlohmann::json& instances);  // GET /v1/services/NAME

// "-" when unmeasured, else the shortest readable unit: 850us, 1.2ms, 1.50s.
std::string format_rtt(std::optional<std::int64_t> rtt_us);

}  // namespace hearsay::tools
