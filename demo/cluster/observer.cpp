#include "demo/cluster/observer.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace hearsay::tools {

std::string NodeStatus::member_state(const std::string& member) const {
  const auto it = members.find(member);
  return it == members.end() ? std::string() : it->second;
}

std::string NodeStatus::instance_health(const std::string& key) const {
  const auto it = instances.find(key);
  return it == instances.end() ? std::string() : it->second.health;
}

namespace {

std::string str(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void parse_status(const std::string& body, NodeStatus& s) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    s.error = "status is not a JSON object";
    return;
  }
  s.digest = str(j, "digest");
  if (const auto m = j.find("members"); m != j.end() && m->is_object())
    for (const auto& [name, state] : m->items())
      if (state.is_string()) s.members[name] = state.get<std::string>();
  if (const auto in = j.find("instances"); in != j.end() && in->is_object())
    for (const auto& [key, v] : in->items())
      if (v.is_object())
        s.instances[key] = InstanceView{str(v, "service"), str(v, "id"), str(v, "member"),
                                        str(v, "health"), str(v, "member_state")};
  s.ok = true;
}

std::unique_ptr<httplib::Client> make_client(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  // A stopped node accepts the connection (the kernel does) but never
  // answers: give up quickly, the next poll tries again.
  c->set_connection_timeout(std::chrono::milliseconds(300));
  c->set_read_timeout(std::chrono::milliseconds(500));
  c->set_write_timeout(std::chrono::milliseconds(300));
  return c;
}

}  // namespace

Observer::Observer(std::vector<Target> targets, std::chrono::milliseconds period)
    : period_(period) {
  for (auto& t : targets)
    threads_.emplace_back([this, t] { poll_loop(t); });
}

Observer::~Observer() {
  stop_ = true;
  for (auto& t : threads_)
    t.join();
}

void Observer::poll_loop(Target target) {
  auto client = make_client(target.port);
  std::uint64_t seq = 0;
  auto next = Clock::now();
  while (!stop_) {
    NodeStatus s;
    s.sent = Clock::now();
    s.seq = ++seq;
    if (auto res = client->Get("/v1/status")) {
      if (res->status == 200)
        parse_status(res->body, s);
      else
        s.error = "HTTP " + std::to_string(res->status);
    } else {
      s.error = httplib::to_string(res.error());
      client = make_client(target.port);  // start from a clean connection
    }
    s.received = Clock::now();
    {
      std::lock_guard lock(mu_);
      latest_[target.name] = std::move(s);
      ++updates_;
    }
    cv_.notify_all();
    next += period_;
    const auto now = Clock::now();
    if (next < now) next = now;
    while (!stop_ && Clock::now() < next)
      std::this_thread::sleep_for(
          std::min<Clock::duration>(next - Clock::now(), std::chrono::milliseconds(50)));
  }
}

Snapshot Observer::snapshot() const {
  std::lock_guard lock(mu_);
  return latest_;
}

void Observer::wait_update(Clock::time_point deadline) {
  std::unique_lock lock(mu_);
  const auto seen = updates_;
  cv_.wait_until(lock, deadline, [&] { return updates_ != seen || stop_; });
}

}  // namespace hearsay::tools
