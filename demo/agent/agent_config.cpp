#include "demo/agent/agent_config.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "demo/common/duration.hpp"
#include "demo/common/errors.hpp"
#include "demo/common/node_json.hpp"
#include "hearsay/errors.hpp"

namespace hearsay::tools {

using nlohmann::json;

std::string_view to_string(CheckConfig::Type t) noexcept {
  switch (t) {
    case CheckConfig::Type::http:
      return "http";
    case CheckConfig::Type::tcp:
      return "tcp";
    case CheckConfig::Type::ttl:
      return "ttl";
  }
  return "?";
}

namespace {

std::string quoted(const json& j) {
  return j.dump();
}

std::chrono::milliseconds duration_field(const json& j, const std::string& field) {
  if (!j.is_string()) throw UsageError(field + ": must be a string like \"500ms\" or \"2s\"");
  std::chrono::milliseconds d{};
  try {
    d = parse_duration(j.get<std::string>());
  } catch (const UsageError&) {
    throw UsageError(field + ": " + quoted(j) + " is not a duration like 500ms, 2s, 1m");
  }
  if (d.count() <= 0) throw UsageError(field + ": must be longer than 0ms");
  return d;
}

int count_field(const json& j, const std::string& field) {
  if (!j.is_number_integer() || j.get<std::int64_t>() < 1 || j.get<std::int64_t>() > 1000)
    throw UsageError(field + ": must be a whole number from 1 to 1000");
  return j.get<int>();
}

std::string string_field(const json& j, const std::string& field) {
  if (!j.is_string()) throw UsageError(field + ": must be a string");
  return j.get<std::string>();
}

std::vector<std::string> strings_field(const json& j, const std::string& field) {
  if (!j.is_array()) throw UsageError(field + ": must be an array of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < j.size(); ++i)
    out.push_back(string_field(j[i], field + "[" + std::to_string(i) + "]"));
  return out;
}

bool is_http_url(const std::string& url) {
  static constexpr std::string_view scheme = "http://";
  return url.size() > scheme.size() && url.compare(0, scheme.size(), scheme) == 0;
}

std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(what + ": cannot read '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// nlohmann's message minus its "[json.exception.parse_error.101] " tag; it
// already says "parse error at line L, column C: ...".
std::string json_error(const json::parse_error& e) {
  std::string what = e.what();
  if (const auto tag = what.find("] "); tag != std::string::npos) what = what.substr(tag + 2);
  return what;
}

std::string resolve(const std::string& path, const std::string& base_dir) {
  if (path.empty() || base_dir.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

}  // namespace

CheckConfig parse_check(const json& j, const std::string& where) {
  if (!j.is_object()) throw UsageError(where + ": must be a JSON object");
  static const std::set<std::string> known{"http",
                                           "tcp",
                                           "ttl",
                                           "interval",
                                           "timeout",
                                           "success_before_passing",
                                           "failures_before_critical"};
  for (const auto& [key, value] : j.items())
    if (!known.count(key)) throw UsageError(where + ": unknown key '" + key + "'");
  const int kinds = int(j.contains("http")) + int(j.contains("tcp")) + int(j.contains("ttl"));
  if (kinds != 1) throw UsageError(where + ": needs exactly one of \"http\", \"tcp\" or \"ttl\"");
  CheckConfig c;
  if (j.contains("http")) {
    c.type = CheckConfig::Type::http;
    c.target = string_field(j["http"], where + ".http");
    if (!is_http_url(c.target))
      throw UsageError(where + ".http: '" + c.target + "' is not an http:// URL");
  } else if (j.contains("tcp")) {
    c.type = CheckConfig::Type::tcp;
    c.target = string_field(j["tcp"], where + ".tcp");
    parse_host_port(c.target, where + ".tcp");  // checked now, used by every probe
  } else {
    c.type = CheckConfig::Type::ttl;
    c.ttl = duration_field(j["ttl"], where + ".ttl");
    if (j.contains("interval"))
      throw UsageError(where +
                       ".interval: a ttl check has no interval (PUT /v1/health/ID "
                       "refreshes it)");
  }
  if (j.contains("interval")) c.interval = duration_field(j["interval"], where + ".interval");
  if (j.contains("timeout")) c.timeout = duration_field(j["timeout"], where + ".timeout");
  if (j.contains("success_before_passing"))
    c.success_before_passing =
        count_field(j["success_before_passing"], where + ".success_before_passing");
  if (j.contains("failures_before_critical"))
    c.failures_before_critical =
        count_field(j["failures_before_critical"], where + ".failures_before_critical");
  return c;
}

ServiceConfig parse_service_config(const json& j, const std::string& where) {
  ServiceConfig out;
  out.service = parse_service(j, where);
  if (j.contains("check")) {
    out.check = parse_check(j["check"], where + ".check");
    if (j.contains("health"))
      throw UsageError(where + ".health: a service with a check takes its health from the check");
    // Like Consul: nothing routes to a checked instance until its check passes.
    out.service.health = Health::critical;
  }
  return out;
}

void apply_config_json(const json& j, const std::string& origin, const std::string& base_dir,
                       AgentConfig& into) {
  const auto at = [&](const std::string& field) { return origin + ": " + field; };
  if (!j.is_object()) throw UsageError(origin + ": must be a JSON object");
  static const std::set<std::string> known{"name",
                                           "bind",
                                           "advertise",
                                           "seeds",
                                           "profile",
                                           "cluster_id",
                                           "cluster_key_file",
                                           "node_key_file",
                                           "allowed_keys",
                                           "http",
                                           "fault_injection",
                                           "services",
                                           "tombstone_timeout"};
  for (const auto& [key, value] : j.items())
    if (!known.count(key)) throw UsageError(origin + ": unknown key '" + key + "'");
  try {
    if (j.contains("name")) into.name = string_field(j["name"], "name");
    if (j.contains("bind")) into.bind = string_field(j["bind"], "bind");
    if (j.contains("advertise")) into.advertise = string_field(j["advertise"], "advertise");
    if (j.contains("seeds")) into.seeds = strings_field(j["seeds"], "seeds");
    if (j.contains("profile")) into.profile = string_field(j["profile"], "profile");
    if (j.contains("cluster_id")) into.cluster_id = string_field(j["cluster_id"], "cluster_id");
    if (j.contains("cluster_key_file"))
      into.cluster_key_file =
          resolve(string_field(j["cluster_key_file"], "cluster_key_file"), base_dir);
    if (j.contains("node_key_file"))
      into.node_key_file = resolve(string_field(j["node_key_file"], "node_key_file"), base_dir);
    if (j.contains("allowed_keys"))
      into.allowed_keys = strings_field(j["allowed_keys"], "allowed_keys");
    if (j.contains("http")) into.http = string_field(j["http"], "http");
    if (j.contains("fault_injection")) {
      if (!j["fault_injection"].is_boolean())
        throw UsageError("fault_injection: must be true or false");
      into.fault_injection = j["fault_injection"].get<bool>();
    }
    if (j.contains("tombstone_timeout"))
      into.tombstone_timeout = duration_field(j["tombstone_timeout"], "tombstone_timeout");
    if (j.contains("services")) {
      const auto& list = j["services"];
      if (!list.is_array()) throw UsageError("services: must be an array of service objects");
      for (std::size_t i = 0; i < list.size(); ++i)
        into.services.push_back(
            parse_service_config(list[i], "services[" + std::to_string(i) + "]"));
    }
  } catch (const UsageError& e) {
    throw UsageError(at(e.what()));
  }
}

void load_config_file(const std::string& path, AgentConfig& into) {
  const std::string text = read_file(path, "--config");
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw UsageError(path + ": not valid JSON: " + json_error(e));
  }
  apply_config_json(j, path, std::filesystem::path(path).parent_path().string(), into);
}

KeyPair load_key_file(const std::string& path, std::string_view field_view) {
  const std::string field(field_view);
  const std::string text = read_file(path, field);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw UsageError(field + ": " + path + ": not valid JSON: " + json_error(e));
  }
  if (!j.is_object())
    throw UsageError(field + ": " + path + ": must be a key file written by `hearsay keygen`");
  KeyPair k;
  for (const char* key : {"public_key", "secret_key"}) {
    if (!j.contains(key) || !j[key].is_string() || !is_z85_key(j[key].get<std::string>()))
      throw UsageError(field + ": " + path + ": " + key +
                       " must be a 40-character Z85 key (write one with `hearsay keygen`)");
  }
  k.public_key = j["public_key"].get<std::string>();
  k.secret_key = j["secret_key"].get<std::string>();
  return k;
}

Config build_node_config(const AgentConfig& a) {
  Config c;
  if (a.profile == "lan")
    c = Config::lan();
  else if (a.profile == "wan")
    c = Config::wan();
  else if (a.profile == "local")
    c = Config::local();
  else
    throw UsageError("profile: '" + a.profile + "' is not one of lan, wan, local");
  parse_host_port(a.http, "http", PortZero::any);
  c.name = a.name;
  if (c.name.empty()) {
    char host[HOST_NAME_MAX + 1] = {};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
      throw UsageError("name: the host name is unknown; give one with --name");
    c.name = host;
  }
  c.bind = a.bind;
  c.advertise = a.advertise;
  c.seeds = a.seeds;
  c.cluster_id = a.cluster_id;
  if (!a.cluster_key_file.empty())
    c.cluster_key = load_key_file(a.cluster_key_file, "cluster_key_file");
  if (!a.node_key_file.empty()) c.node_key = load_key_file(a.node_key_file, "node_key_file");
  for (std::size_t i = 0; i < a.allowed_keys.size(); ++i)
    if (!is_z85_key(a.allowed_keys[i]))
      throw UsageError("allowed_keys[" + std::to_string(i) + "]: '" + a.allowed_keys[i] +
                       "' is not a 40-character Z85 public key");
  c.allowed_keys = a.allowed_keys;
  if (a.tombstone_timeout) c.tombstone_timeout = *a.tombstone_timeout;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < a.services.size(); ++i) {
    const auto& id = a.services[i].service.id;
    if (!ids.insert(id).second)
      throw UsageError("services[" + std::to_string(i) + "].id: duplicate service id '" + id + "'");
    c.services.push_back(a.services[i].service);
  }
  try {
    c.validate();
  } catch (const ConfigError& e) {
    throw UsageError(e.field() + ": " + e.reason());
  }
  return c;
}

}  // namespace hearsay::tools
