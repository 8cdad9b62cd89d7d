#include "demo/agent/agent.hpp"

#include <chrono>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <utility>

#include "demo/agent/control_server.hpp"
#include "demo/common/errors.hpp"
#include "demo/common/node_json.hpp"
#include "hearsay/errors.hpp"

namespace hearsay::tools {

using nlohmann::json;

namespace {

// One stderr line at a time, whatever thread logs.
std::mutex& stderr_mutex() {
  static std::mutex mu;
  return mu;
}

constexpr std::chrono::milliseconds kPumpPoll{100};

std::string key_of(const Instance& i) {
  return i.member + "/" + i.service.id;
}

}  // namespace

Agent::Agent(AgentConfig cfg) : cfg_(std::move(cfg)) {
  Config node_cfg = build_node_config(cfg_);
  const HostPort http = parse_host_port(cfg_.http, "http", PortZero::any);
  if (!cfg_.quiet)
    node_cfg.log = [this](LogLevel level, std::string_view message) {
      log("[" + std::string(to_string(level)) + "] " + std::string(message));
    };

  // The control port first: a busy port then fails before the node joins anyone.
  server_ = std::make_unique<ControlServer>(*this);
  http_port_ = server_->bind(http);
  http_address_ = HostPort{http.host, http_port_}.to_string();

  try {
    node_ = std::make_unique<Node>(node_cfg);
  } catch (const ConfigError& e) {
    throw UsageError(e.field() + ": " + e.reason());
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot start the node on " + node_cfg.bind + ": " + e.what());
  }

  try {
    member_watch_ = node_->watch_members([this](const MemberEvent& e) { on_member_event(e); });
    pump_ = std::thread([this] { pump_loop(); });
    checks_ = std::make_unique<HealthChecks>(
        [this](const std::string& id, Health h, const std::string& output) {
          node_->set_health(id, h);
          log("check " + id + " is " + std::string(to_string(h)) + ": " + output);
        });
    for (const auto& s : cfg_.services)
      if (s.check) checks_->add(s.service.id, *s.check);
    server_->start();
  } catch (...) {
    shutdown();
    throw;
  }
  log(node_->name() + " at " + node_->endpoint() + ", control API on http://" + http_address_);
}

Agent::~Agent() {
  shutdown();
}

void Agent::log(const std::string& line) const {
  if (cfg_.quiet) return;
  std::lock_guard lock(stderr_mutex());
  std::fprintf(stderr, "hearsay agent: %s\n", line.c_str());
  std::fflush(stderr);
}

void Agent::wait() {
  std::unique_lock lock(stop_mu_);
  stop_cv_.wait(lock, [&] { return stop_requested_; });
}

void Agent::request_stop() {
  {
    std::lock_guard lock(stop_mu_);
    stop_requested_ = true;
  }
  stop_cv_.notify_all();
}

bool Agent::stop_requested() const {
  std::lock_guard lock(stop_mu_);
  return stop_requested_;
}

void Agent::shutdown() {
  std::lock_guard once(shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  request_stop();
  // Checks first: nothing may change a service after the leave.
  if (checks_) checks_->stop_all();
  {
    std::lock_guard lock(pump_mu_);
    pump_stop_ = true;
  }
  pump_cv_.notify_all();
  if (pump_.joinable()) pump_.join();
  if (node_) {
    log(node_->name() + " leaving");
    node_->leave();
  }
  member_watch_.cancel();
  // Wake long-polls so the server's workers can finish.
  events_.close();
  if (server_) server_->stop();
}

void Agent::on_member_event(const MemberEvent& e) {
  AgentEvent ev;
  ev.kind = "member";
  ev.type = std::string(to_string(e.type));
  ev.member = e.name;
  ev.endpoint = e.endpoint;
  events_.append(std::move(ev));
  log(e.name + " " + std::string(to_string(e.type)));
  kick_pump();
}

void Agent::kick_pump() {
  {
    std::lock_guard lock(pump_mu_);
    pump_kick_ = true;
  }
  pump_cv_.notify_all();
}

void Agent::pump_loop() {
  std::unique_lock lock(pump_mu_);
  while (!pump_stop_) {
    pump_kick_ = false;
    lock.unlock();
    diff_registry();
    lock.lock();
    pump_cv_.wait_for(lock, kPumpPoll, [&] { return pump_stop_ || pump_kick_; });
  }
}

// Compares the registry with the last snapshot seen: the agent sees every
// service without having to know its name in advance.
void Agent::diff_registry() {
  const auto registry = node_->registry();
  if (!seen_.empty() && registry.version() == seen_version_) return;
  seen_version_ = registry.version();
  Query all;
  all.worst_health = Health::critical;
  std::map<std::string, Instance> now;
  for (const auto& name : registry.services())
    for (auto& i : registry.lookup(name, all))
      now.emplace(key_of(i), std::move(i));

  const auto emit = [&](const char* type, const Instance& i) {
    AgentEvent ev;
    ev.kind = "service";
    ev.type = type;
    ev.member = i.member;
    ev.endpoint = i.service.endpoint;
    ev.service = i.service.name;
    ev.id = i.service.id;
    ev.health = std::string(to_string(i.service.health));
    events_.append(std::move(ev));
    log(i.service.name + "/" + i.service.id + " on " + i.member + " " + type + " (" +
        std::string(to_string(i.service.health)) + ")");
  };
  for (const auto& [key, inst] : now) {
    const auto it = seen_.find(key);
    if (it == seen_.end())
      emit("added", inst);
    else if (it->second.service != inst.service || it->second.member_state != inst.member_state)
      emit("updated", inst);
  }
  for (const auto& [key, inst] : seen_)
    if (!now.count(key)) emit("removed", inst);
  seen_ = std::move(now);
}

json Agent::status() const {
  json j = status_json(*node_);
  if (cfg_.fault_injection) {
    std::lock_guard lock(blocked_mu_);
    j["blocked"] = blocked_;
  }
  return j;
}

json Agent::local_services() const {
  json out = json::array();
  for (const auto& s : node_->services()) {
    json j = to_json(s);
    if (const auto st = checks_->status(s.id))
      j["check"] = {{"type", std::string(to_string(st->type))},
                    {"status", std::string(to_string(st->status))},
                    {"output", st->output}};
    else
      j["check"] = {{"type", "none"}, {"status", std::string(to_string(s.health))}, {"output", ""}};
    out.push_back(std::move(j));
  }
  return out;
}

bool Agent::set_health(const std::string& id, Health health) {
  std::lock_guard lock(local_mu_);
  if (checks_->set_status(id, health)) return true;
  const bool known = node_->set_health(id, health);
  if (known) kick_pump();
  return known;
}

std::string Agent::put_service(ServiceConfig sc) {
  std::lock_guard lock(local_mu_);
  const std::string id = sc.service.id;
  const Health initial = sc.service.health;
  // Advertise first: a refused record leaves the old one and its check alone.
  node_->advertise(sc.service);
  checks_->remove(id);
  // The old check may have reported after the advertise; restate the start.
  node_->set_health(id, initial);
  if (sc.check) checks_->add(id, *sc.check);
  log("service " + id + " advertised");
  kick_pump();
  return id;
}

bool Agent::delete_service(const std::string& id) {
  std::lock_guard lock(local_mu_);
  checks_->remove(id);
  const bool known = node_->withdraw(id);
  if (known) {
    log("service " + id + " withdrawn");
    kick_pump();
  }
  return known;
}

void Agent::block_peers(std::vector<std::string> endpoints) {
  std::lock_guard lock(blocked_mu_);
  blocked_ = endpoints;
  node_->block_peers(std::move(endpoints));
  log(blocked_.empty()
          ? std::string("fault injection: partition healed")
          : "fault injection: blocking " + std::to_string(blocked_.size()) + " peer(s)");
}

}  // namespace hearsay::tools
