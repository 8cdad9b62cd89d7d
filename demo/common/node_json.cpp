#include "demo/common/node_json.hpp"

#include <cstdio>
#include <set>
#include <string>

#include "demo/common/errors.hpp"

namespace hearsay::tools {

using nlohmann::json;

json to_json(const Service& s) {
  return json{{"name", s.name},    {"id", s.id},     {"endpoint", s.endpoint},
              {"tags", s.tags},    {"meta", s.meta}, {"health", std::string(to_string(s.health))},
              {"weight", s.weight}};
}

json to_json(const Instance& i) {
  json j = to_json(i.service);
  j["member"] = i.member;
  j["member_state"] = std::string(to_string(i.member_state));
  j["rtt_us"] = i.rtt ? json(i.rtt->count()) : json(nullptr);
  return j;
}

json to_json(const MemberInfo& m) {
  return json{{"name", m.name},
              {"endpoint", m.endpoint},
              {"state", std::string(to_string(m.state))},
              {"services", m.services}};
}

namespace {

std::string string_field(const json& j, const char* key, const std::string& where, bool required) {
  if (!j.contains(key)) {
    if (required) throw UsageError(where + "." + key + ": missing");
    return {};
  }
  if (!j[key].is_string()) throw UsageError(where + "." + key + ": must be a string");
  return j[key].get<std::string>();
}

}  // namespace

Service parse_service(const json& j, std::string_view where_view) {
  const std::string where(where_view);
  if (!j.is_object()) throw UsageError(where + ": must be a JSON object");
  static const std::set<std::string> known{"name", "id",     "endpoint", "tags",
                                           "meta", "health", "weight",   "check"};
  for (const auto& [key, value] : j.items())
    if (!known.count(key)) throw UsageError(where + ": unknown key '" + key + "'");
  Service s;
  s.name = string_field(j, "name", where, true);
  s.id = string_field(j, "id", where, false);
  if (s.id.empty()) s.id = s.name;
  s.endpoint = string_field(j, "endpoint", where, false);
  if (j.contains("tags")) {
    if (!j["tags"].is_array()) throw UsageError(where + ".tags: must be an array of strings");
    for (const auto& t : j["tags"]) {
      if (!t.is_string()) throw UsageError(where + ".tags: must be an array of strings");
      s.tags.push_back(t.get<std::string>());
    }
  }
  if (j.contains("meta")) {
    if (!j["meta"].is_object()) throw UsageError(where + ".meta: must be an object of strings");
    for (const auto& [k, v] : j["meta"].items()) {
      if (!v.is_string()) throw UsageError(where + ".meta." + k + ": must be a string");
      s.meta[k] = v.get<std::string>();
    }
  }
  if (j.contains("health")) {
    const auto h =
        j["health"].is_string() ? parse_health(j["health"].get<std::string>()) : std::nullopt;
    if (!h) throw UsageError(where + ".health: must be passing, warning or critical");
    s.health = *h;
  }
  if (j.contains("weight")) {
    const auto& w = j["weight"];
    if (!w.is_number_unsigned() || w.get<std::uint64_t>() > 0xffffffffULL)
      throw UsageError(where + ".weight: must be a whole number from 0 to 4294967295");
    s.weight = w.get<std::uint32_t>();
  }
  return s;
}

json status_json(const Node& node) {
  char digest[17];
  std::snprintf(digest, sizeof digest, "%016llx", static_cast<unsigned long long>(node.digest()));
  json members = json::object();
  json counts = {{"alive", 0}, {"suspect", 0}, {"dead", 0}, {"left", 0}};
  for (const auto& m : node.members()) {
    const std::string state(to_string(m.state));
    members[m.name] = state;
    counts[state] = counts[state].get<int>() + 1;
  }
  const auto registry = node.registry();
  json instances = json::object();
  Query all;
  all.worst_health = Health::critical;
  for (const auto& name : registry.services())
    for (const auto& i : registry.lookup(name, all))
      instances[i.member + "/" + i.service.id] = {
          {"service", i.service.name},
          {"id", i.service.id},
          {"member", i.member},
          {"endpoint", i.service.endpoint},
          {"health", std::string(to_string(i.service.health))},
          {"member_state", std::string(to_string(i.member_state))}};
  return json{{"name", node.name()},   {"endpoint", node.endpoint()},
              {"digest", digest},      {"registry_version", registry.version()},
              {"members", members},    {"counts", counts},
              {"instances", instances}};
}

}  // namespace hearsay::tools
