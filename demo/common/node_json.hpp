// JSON renderings of what a node knows, shared by the agent's control API,
// the gateway and the client commands (docs/cli.md has the shapes).
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "hearsay/node.hpp"

namespace hearsay::tools {

nlohmann::json to_json(const Service& s);
nlohmann::json to_json(
    const Instance& i);  // the service's fields plus member, member_state, rtt_us
nlohmann::json to_json(const MemberInfo& m);

// A service object as written in a config file or --service flag; `where`
// prefixes error messages ("services[1]"). Throws UsageError naming the
// field. Ignores "check" (the agent reads it); rejects other unknown keys.
Service parse_service(const nlohmann::json& j, std::string_view where);

// The compact view the launcher polls: name, endpoint, digest (16 hex
// digits), registry_version, members (name -> state), counts by state, and
// every instance (critical ones too) keyed "<member>/<id>".
nlohmann::json status_json(const Node& node);

}  // namespace hearsay::tools
