#include "demo/gateway/gateway_options.hpp"

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "demo/common/duration.hpp"
#include "demo/common/errors.hpp"
#include "demo/common/parse_args.hpp"
#include "hearsay/keys.hpp"

namespace hearsay::tools {

namespace {

constexpr std::array<std::pair<const char*, Pick>, 6> kPickers{{
    {"round_robin", Pick::round_robin},
    {"random", Pick::random},
    {"weighted", Pick::weighted},
    {"p2c", Pick::p2c},
    {"rendezvous", Pick::rendezvous},
    {"nearest", Pick::nearest},
}};

std::chrono::milliseconds positive_duration(const std::string& flag, const std::string& text) {
  std::chrono::milliseconds d;
  try {
    d = parse_duration(text);
  } catch (const UsageError& e) {
    throw UsageError(flag + ": " + e.what());
  }
  if (d.count() <= 0) throw UsageError(flag + ": must be more than 0");
  return d;
}

// The key file `hearsay keygen --out` writes: {"public_key": Z85, "secret_key": Z85}.
KeyPair read_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("--cluster-key: cannot read '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception&) {
    throw UsageError(path + ": not JSON (expected {\"public_key\": ..., \"secret_key\": ...})");
  }
  KeyPair keys;
  for (auto [field, out] :
       {std::pair{"public_key", &keys.public_key}, std::pair{"secret_key", &keys.secret_key}}) {
    if (!j.is_object() || !j.contains(field) || !j[field].is_string() ||
        !is_z85_key(j[field].get<std::string>()))
      throw UsageError(path + ": " + field + " must be a 40-character Z85 key");
    *out = j[field].get<std::string>();
  }
  return keys;
}

}  // namespace

std::optional<Pick> parse_picker(const std::string& name) {
  for (const auto& [n, p] : kPickers)
    if (name == n) return p;
  return std::nullopt;
}

const char* picker_name(Pick pick) {
  for (const auto& [n, p] : kPickers)
    if (p == pick) return n;
  return "?";
}

std::optional<GatewayOptions> parse_gateway_options(int argc, const char* const* argv) {
  GatewayOptions o;
  std::string listen = "127.0.0.1:8080";
  std::string picker = "round_robin";
  std::string connect_timeout = "500ms";
  std::string read_timeout = "5s";

  CLI::App app{
      "hearsay-gateway: an HTTP reverse proxy that routes /<service>/... to the "
      "instances a hearsay cluster advertises",
      "hearsay-gateway"};
  app.add_option("--name", o.name, "node name in the cluster")->capture_default_str();
  app.add_option("--bind", o.bind, "ZeroMQ endpoint the embedded node listens on")
      ->capture_default_str();
  app.add_option("--advertise", o.advertise, "endpoint peers dial (default: the bound one)");
  app.add_option("--seed", o.seeds, "endpoint of a cluster member to join through (repeatable)");
  app.add_option("--profile", o.profile, "timers: lan, wan or local")->capture_default_str();
  app.add_option("--cluster-id", o.cluster_id, "cluster id")->capture_default_str();
  app.add_option("--cluster-key", o.cluster_key_file, "cluster key file (hearsay keygen --out)");
  app.add_option("--listen", listen, "HOST:PORT to serve HTTP on")->capture_default_str();
  app.add_option("--picker", picker, "round_robin, random, weighted, p2c, rendezvous or nearest")
      ->capture_default_str();
  app.add_option("--retries", o.retries, "tries on other instances after a connection failure")
      ->capture_default_str();
  app.add_option("--connect-timeout", connect_timeout, "upstream connect timeout")
      ->capture_default_str();
  app.add_option("--read-timeout", read_timeout, "upstream read timeout")->capture_default_str();
  app.add_flag("--fault-injection", o.fault_injection, "enable POST /v1/fault/partition");
  app.add_flag("--quiet", o.quiet, "no log lines on stderr");
  if (!parse_args(app, argc, argv)) return std::nullopt;

  if (o.name.empty()) throw UsageError("--name: must not be empty");
  if (o.profile != "lan" && o.profile != "wan" && o.profile != "local")
    throw UsageError("--profile: '" + o.profile + "' is not lan, wan or local");
  o.listen = parse_host_port(listen, "--listen");  // port 0 refused: clients must know it
  const auto pick = parse_picker(picker);
  if (!pick)
    throw UsageError("--picker: '" + picker +
                     "' is not round_robin, random, weighted, p2c, rendezvous or nearest");
  o.picker = *pick;
  if (o.retries < 0 || o.retries > 10) throw UsageError("--retries: must be from 0 to 10");
  o.connect_timeout = positive_duration("--connect-timeout", connect_timeout);
  o.read_timeout = positive_duration("--read-timeout", read_timeout);
  return o;
}

Config node_config(const GatewayOptions& o) {
  Config cfg = o.profile == "wan"     ? Config::wan()
               : o.profile == "local" ? Config::local()
                                      : Config::lan();
  cfg.name = o.name;
  cfg.bind = o.bind;
  cfg.advertise = o.advertise;
  cfg.seeds = o.seeds;
  cfg.cluster_id = o.cluster_id;
  if (!o.cluster_key_file.empty()) cfg.cluster_key = read_key_file(o.cluster_key_file);
  return cfg;
}

}  // namespace hearsay::tools
