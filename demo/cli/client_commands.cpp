#include "demo/cli/client_commands.hpp"

#include <cstdio>
#include <iostream>
#include <memory>
#include <vector>

#include "demo/cli/agent_client.hpp"
#include "demo/cli/table.hpp"
#include "demo/common/errors.hpp"
#include "hearsay/service.hpp"

namespace hearsay::tools {

using nlohmann::json;

namespace {

// A field as text for a table cell: strings as they are, numbers printed,
// anything missing or null as "-".
std::string cell(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return "-";
  const json& v = obj[key];
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string join_tags(const json& obj) {
  if (!obj.is_object() || !obj.contains("tags") || !obj["tags"].is_array() || obj["tags"].empty())
    return "-";
  std::string out;
  for (const auto& t : obj["tags"]) {
    if (!out.empty()) out += ',';
    out += t.is_string() ? t.get<std::string>() : t.dump();
  }
  return out;
}

void print_json(const json& j) {
  std::cout << j.dump(2) << '\n';
}

struct ClientOptions {
  std::string http;
  bool json = false;
};

void add_common_flags(CLI::App* sub, ClientOptions& opts) {
  sub->add_option(
      "--http", opts.http,
      "agent control endpoint HOST:PORT (default $HEARSAY_HTTP_ADDR or 127.0.0.1:7900)");
  sub->add_flag("--json", opts.json, "print the agent's JSON instead of a table");
}

void add_members(CLI::App& app) {
  auto opts = std::make_shared<ClientOptions>();
  CLI::App* sub =
      app.add_subcommand("members", "list the cluster's members as the agent sees them");
  add_common_flags(sub, *opts);
  sub->callback([opts] {
    AgentClient client(resolve_http_addr(opts->http));
    const json members = client.get("/v1/members");
    if (opts->json)
      print_json(members);
    else
      std::cout << members_table(members);
  });
}

struct ServicesOptions : ClientOptions {
  std::string name;
  std::string tag;
  bool all = false;
};

void add_services(CLI::App& app) {
  auto opts = std::make_shared<ServicesOptions>();
  CLI::App* sub =
      app.add_subcommand("services", "list services, or the instances of one service with NAME");
  sub->add_option("NAME", opts->name, "a service name: list its instances");
  sub->add_option("--tag", opts->tag, "only instances carrying this tag (needs NAME)");
  sub->add_flag("--all", opts->all, "include critical instances");
  add_common_flags(sub, *opts);
  sub->callback([opts] {
    if (opts->name.empty() && !opts->tag.empty())
      throw UsageError("--tag needs a service NAME (hearsay services NAME --tag T)");
    AgentClient client(resolve_http_addr(opts->http));
    if (opts->name.empty()) {
      const json counts = client.get(opts->all ? "/v1/services?all=1" : "/v1/services");
      if (opts->json)
        print_json(counts);
      else if (counts.empty())
        std::cout << "no services\n";
      else
        std::cout << services_table(counts);
      return;
    }
    std::string path = "/v1/services/" + encode_path_segment(opts->name);
    std::string sep = "?";
    if (!opts->tag.empty()) {
      path += sep + "tag=" + encode_path_segment(opts->tag);
      sep = "&";
    }
    if (opts->all) path += sep + "all=1";
    const json instances = client.get(path);
    if (opts->json)
      print_json(instances);
    else if (instances.empty())
      std::cout << "no " << (opts->all ? "" : "healthy ") << "instances of '" << opts->name << "'"
                << (opts->tag.empty() ? "" : " tagged '" + opts->tag + "'")
                << (opts->all ? "" : " (--all includes critical ones)") << '\n';
    else
      std::cout << instances_table(instances);
  });
}

struct HealthOptions {
  std::string http;
  std::string id;
  std::string status;
};

void add_health(CLI::App& app) {
  auto opts = std::make_shared<HealthOptions>();
  CLI::App* sub = app.add_subcommand(
      "health", "set the health of one of the agent's own services (refreshes a TTL check)");
  sub->add_option("ID", opts->id, "service id, as advertised by the agent")->required();
  sub->add_option("STATUS", opts->status, "passing, warning or critical")->required();
  sub->add_option(
      "--http", opts->http,
      "agent control endpoint HOST:PORT (default $HEARSAY_HTTP_ADDR or 127.0.0.1:7900)");
  sub->callback([opts] {
    if (!parse_health(opts->status))
      throw UsageError("'" + opts->status +
                       "' is not a health status; use passing, warning or critical");
    AgentClient client(resolve_http_addr(opts->http));
    try {
      client.put("/v1/health/" + encode_path_segment(opts->id), json{{"status", opts->status}});
    } catch (const AgentError& e) {
      if (e.status == 404) throw std::runtime_error("unknown service id '" + opts->id + "'");
      throw;
    }
    std::cout << opts->id << ": " << opts->status << '\n';
  });
}

}  // namespace

std::string format_rtt(std::optional<std::int64_t> rtt_us) {
  if (!rtt_us || *rtt_us < 0) return "-";
  char buf[32];
  if (*rtt_us < 1000)
    std::snprintf(buf, sizeof buf, "%lldus", static_cast<long long>(*rtt_us));
  else if (*rtt_us < 1000000)
    std::snprintf(buf, sizeof buf, "%.1fms", static_cast<double>(*rtt_us) / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(*rtt_us) / 1e6);
  return buf;
}

std::string members_table(const json& members) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : members)
    rows.push_back({cell(m, "name"), cell(m, "endpoint"), cell(m, "state"), cell(m, "services")});
  return render_table({"NAME", "ENDPOINT", "STATE", "SERVICES"}, rows);
}

std::string services_table(const json& counts) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, count] : counts.items())
    rows.push_back({name, count.is_string() ? count.get<std::string>() : count.dump()});
  return render_table({"SERVICE", "INSTANCES"}, rows);
}

std::string instances_table(const json& instances) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& i : instances) {
    // An instance whose member is suspected is still listed; say so.
    std::string member = cell(i, "member");
    const std::string state = cell(i, "member_state");
    if (state != "-" && state != "alive") member += " (" + state + ")";
    std::optional<std::int64_t> rtt;
    if (i.contains("rtt_us") && i["rtt_us"].is_number_integer())
      rtt = i["rtt_us"].get<std::int64_t>();
    rows.push_back({cell(i, "id"), member, cell(i, "endpoint"), cell(i, "health"), join_tags(i),
                    format_rtt(rtt)});
  }
  return render_table({"ID", "MEMBER", "ENDPOINT", "HEALTH", "TAGS", "RTT"}, rows);
}

void add_client_commands(CLI::App& app) {
  add_members(app);
  add_services(app);
  add_health(app);
}

}  // namespace hearsay::tools
