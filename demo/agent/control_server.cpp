#include "demo/agent/control_server.hpp"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include "demo/agent/agent.hpp"
#include "demo/common/duration.hpp"
#include "demo/common/errors.hpp"
#include "demo/common/http_server.hpp"
#include "demo/common/node_json.hpp"
#include "hearsay/errors.hpp"

namespace hearsay::tools {

using nlohmann::json;

namespace {

constexpr std::chrono::milliseconds kMaxWait{60'000};
constexpr std::chrono::milliseconds kDefaultWait{5'000};
// Long-polls (watches, /v1/events) hold a worker each; leave room for
// ordinary requests. Each worker is an idle thread while the agent is idle.
constexpr std::size_t kWorkers = 8;

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

void error(httplib::Response& res, int status, const std::string& message) {
  reply(res, status, json{{"error", message}});
}

bool flag_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return false;
  const auto v = req.get_param_value(name);
  return v.empty() || v == "1" || v == "true";
}

// The body as a JSON object, or an error reply (false).
std::optional<json> json_body(const httplib::Request& req, httplib::Response& res) {
  try {
    auto j = json::parse(req.body);
    if (!j.is_object()) {
      error(res, 400, "the body must be a JSON object");
      return std::nullopt;
    }
    return j;
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    if (const auto tag = what.find("] "); tag != std::string::npos) what = what.substr(tag + 2);
    error(res, 400, "the body is not valid JSON: " + what);
    return std::nullopt;
  }
}

}  // namespace

ControlServer::ControlServer(Agent& agent)
    : agent_(agent), server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  // Idle keep-alive connections must not hold up a shutdown for long.
  server_->set_keep_alive_timeout(1);
  server_->set_payload_max_length(1 << 20);
  routes();
}

ControlServer::~ControlServer() {
  stop();
}

std::uint16_t ControlServer::bind(const HostPort& at) {
  const auto port = listen_on(*server_, at, "--http");
  bound_ = true;
  return port;
}

void ControlServer::start() {
  if (thread_.joinable()) return;
  listening_done_ = false;
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listening_done_ = true;
  });
  // httplib's stop() is a no-op until the server runs: wait for it, so a
  // stop() right after start() cannot be lost.
  while (!server_->is_running() && !listening_done_)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void ControlServer::stop() {
  // A bound socket is only released by a running server: run it to stop it.
  if (bound_ && !thread_.joinable()) start();
  bound_ = false;
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void ControlServer::routes() {
  auto& s = *server_;
  Agent& agent = agent_;

  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          error(res, 500, e.what());
        } catch (...) {
          error(res, 500, "internal error");
        }
      });

  s.Get("/v1/status", [&agent](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, agent.status());
  });

  s.Get("/v1/members", [&agent](const httplib::Request&, httplib::Response& res) {
    auto members = agent.node().members();
    std::sort(members.begin(), members.end(),
              [](const MemberInfo& a, const MemberInfo& b) { return a.name < b.name; });
    json out = json::array();
    for (const auto& m : members)
      out.push_back(to_json(m));
    reply(res, 200, out);
  });

  s.Get("/v1/services", [&agent](const httplib::Request& req, httplib::Response& res) {
    Query q;
    if (flag_param(req, "all")) q.worst_health = Health::critical;
    const auto registry = agent.node().registry();
    json out = json::object();
    for (const auto& name : registry.services())
      out[name] = registry.lookup(name, q).size();
    reply(res, 200, out);
  });

  s.Get(R"(/v1/services/([^/]+))", [&agent](const httplib::Request& req, httplib::Response& res) {
    Query q;
    if (flag_param(req, "all")) q.worst_health = Health::critical;
    if (req.has_param("tag")) q.tag = req.get_param_value("tag");
    json out = json::array();
    for (const auto& i : agent.node().registry().lookup(req.matches[1].str(), q))
      out.push_back(to_json(i));
    reply(res, 200, out);
  });

  s.Get("/v1/local/services", [&agent](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, agent.local_services());
  });

  s.Put("/v1/local/services", [&agent](const httplib::Request& req, httplib::Response& res) {
    const auto body = json_body(req, res);
    if (!body) return;
    try {
      const auto id = agent.put_service(parse_service_config(*body, "service"));
      reply(res, 200, json{{"id", id}});
    } catch (const UsageError& e) {
      error(res, 400, e.what());
    } catch (const ConfigError& e) {
      error(res, 400, e.what());
    }
  });

  s.Delete(R"(/v1/local/services/([^/]+))",
           [&agent](const httplib::Request& req, httplib::Response& res) {
             const auto id = req.matches[1].str();
             if (!agent.delete_service(id))
               return error(res, 404, "unknown service id '" + id + "'");
             reply(res, 200, json{{"id", id}});
           });

  s.Put(R"(/v1/health/([^/]+))", [&agent](const httplib::Request& req, httplib::Response& res) {
    const auto id = req.matches[1].str();
    const auto body = json_body(req, res);
    if (!body) return;
    const auto st = body->value("status", json());
    const auto health = st.is_string() ? parse_health(st.get<std::string>()) : std::nullopt;
    if (!health) return error(res, 400, "status: must be passing, warning or critical");
    if (!agent.set_health(id, *health)) return error(res, 404, "unknown service id '" + id + "'");
    reply(res, 200, json{{"id", id}, {"status", std::string(to_string(*health))}});
  });

  s.Get("/v1/events", [&agent](const httplib::Request& req, httplib::Response& res) {
    std::uint64_t after = 0;
    if (req.has_param("after")) {
      const auto v = req.get_param_value("after");
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), after);
      if (v.empty() || ec != std::errc{} || end != v.data() + v.size())
        return error(res, 400, "after: '" + v + "' is not a sequence number");
    }
    auto wait = kDefaultWait;
    if (req.has_param("wait")) {
      try {
        wait = std::min(parse_duration(req.get_param_value("wait")), kMaxWait);
      } catch (const UsageError& e) {
        return error(res, 400, std::string("wait: ") + e.what());
      }
    }
    std::optional<std::string> service;
    if (req.has_param("service")) service = req.get_param_value("service");
    const auto page = agent.events().read(after, service, wait);
    json events = json::array();
    for (const auto& e : page.events)
      events.push_back(to_json(e));
    reply(res, 200, json{{"next", page.next}, {"events", events}});
  });

  s.Get("/metrics", [&agent](const httplib::Request&, httplib::Response& res) {
    res.set_content(agent.node().stats().to_prometheus(), "text/plain; version=0.0.4");
  });

  s.Post("/v1/fault/partition", [&agent](const httplib::Request& req, httplib::Response& res) {
    if (!agent.fault_injection())
      return error(res, 404, "fault injection is off (start the agent with --fault-injection)");
    const auto body = json_body(req, res);
    if (!body) return;
    std::vector<std::string> endpoints;
    const auto block = body->value("block", json::array());
    if (!block.is_array()) return error(res, 400, "block: must be an array of endpoints");
    for (const auto& e : block) {
      if (!e.is_string()) return error(res, 400, "block: must be an array of endpoints");
      endpoints.push_back(e.get<std::string>());
    }
    agent.block_peers(endpoints);
    reply(res, 200, json{{"blocked", endpoints}});
  });

  s.Post("/v1/leave", [&agent](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, json{{"leaving", agent.node().name()}});
    agent.request_stop();
  });

  // Anything else: a JSON 404 rather than httplib's empty one.
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty()) error(res, res.status, "no such route: " + req.method + " " + req.path);
  });
}

}  // namespace hearsay::tools
