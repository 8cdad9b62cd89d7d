// The agent's configuration: a JSON config file merged with command-line
// flags, validated strictly before anything starts (docs/agent.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "demo/common/host_port.hpp"
#include "hearsay/config.hpp"
#include "hearsay/keys.hpp"
#include "hearsay/service.hpp"

namespace hearsay::tools {

// A health check of one local service, with Consul's names and defaults.
struct CheckConfig {
  enum class Type : std::uint8_t { http, tcp, ttl };
  Type type = Type::http;
  std::string target;  // the URL (http) or HOST:PORT (tcp); empty for ttl
  std::chrono::milliseconds interval{10'000};
  std::chrono::milliseconds timeout{5'000};
  std::chrono::milliseconds ttl{0};  // ttl checks only
  int success_before_passing = 1;
  int failures_before_critical = 1;
};

std::string_view to_string(CheckConfig::Type t) noexcept;

// One service this agent advertises, and its check if it has one.
struct ServiceConfig {
  Service service;
  std::optional<CheckConfig> check{};
};

struct AgentConfig {
  std::string name;  // empty: the host name
  std::string bind = "tcp://0.0.0.0:7946";
  std::string advertise;
  std::vector<std::string> seeds;
  std::string profile = "lan";
  std::string cluster_id = "default";
  std::string cluster_key_file;
  std::string node_key_file;
  std::vector<std::string> allowed_keys;
  std::string http = "127.0.0.1:7900";
  bool fault_injection = false;
  bool quiet = false;
  std::vector<ServiceConfig> services;
  // Overrides the profile's: how long dead and left members are remembered
  // (at least the profile's gossip_to_the_dead; tests shorten it).
  std::optional<std::chrono::milliseconds> tombstone_timeout;
};

// A check object; `where` prefixes error messages ("services[1].check").
CheckConfig parse_check(const nlohmann::json& j, const std::string& where);
// A service object with its optional check (config file, --service, PUT /v1/local/services).
ServiceConfig parse_service_config(const nlohmann::json& j, const std::string& where);

// Applies the keys of a config-file object onto `into`; errors are
// "<origin>: <field>: <reason>". Relative key file paths are resolved
// against `base_dir`.
void apply_config_json(const nlohmann::json& j, const std::string& origin,
                       const std::string& base_dir, AgentConfig& into);
// Reads and applies a config file (errors name the file and, for bad JSON,
// the line and column).
void load_config_file(const std::string& path, AgentConfig& into);

// Reads a key file written by `hearsay keygen`; errors name `field` and the file.
KeyPair load_key_file(const std::string& path, std::string_view field);

// Checks what the config file cannot check alone (unique service ids, the
// --http address) and builds the node's Config from the profile. Throws
// UsageError naming the field, including for hearsay::ConfigError.
Config build_node_config(const AgentConfig& cfg);

}  // namespace hearsay::tools
