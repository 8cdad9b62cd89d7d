// The gateway's command line: what cluster to join, where to serve HTTP and
// how to pick and retry upstream instances.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "demo/common/host_port.hpp"
#include "hearsay/config.hpp"
#include "hearsay/registry.hpp"

namespace hearsay::tools {

struct GatewayOptions {
  // The embedded node.
  std::string name = "gateway";
  std::string bind = "tcp://127.0.0.1:0";  // the gateway only reads the registry: any port will do
  std::string advertise;
  std::vector<std::string> seeds;
  std::string profile = "lan";
  std::string cluster_id = "default";
  std::string cluster_key_file;
  // The HTTP side.
  HostPort listen{"127.0.0.1", 8080};
  Pick picker = Pick::round_robin;
  int retries = 1;
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds read_timeout{5000};
  bool fault_injection = false;
  bool quiet = false;
};

// Parses argv. Returns nullopt after printing --help; throws UsageError naming
// the flag on bad input.
std::optional<GatewayOptions> parse_gateway_options(int argc, const char* const* argv);

// The node's configuration: the profile's timers plus identity and key.
// Throws UsageError if the key file cannot be read or is malformed.
Config node_config(const GatewayOptions& options);

// "round_robin" -> Pick::round_robin, ...; nullopt for an unknown name.
std::optional<Pick> parse_picker(const std::string& name);
const char* picker_name(Pick pick);

}  // namespace hearsay::tools
