#include "tests/faults/recorder.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <sstream>

namespace hearsay::faults {

namespace {

using Clock = std::chrono::steady_clock;

std::unique_ptr<httplib::Client> client_for(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  // A stopped agent accepts (the kernel does) but never answers.
  c->set_connection_timeout(std::chrono::milliseconds(300));
  c->set_read_timeout(std::chrono::milliseconds(700));
  c->set_write_timeout(std::chrono::milliseconds(300));
  return c;
}

std::string str(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool parse_status(const std::string& body, Status& s) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  s.digest = str(j, "digest");
  if (const auto m = j.find("members"); m != j.end() && m->is_object())
    for (const auto& [name, state] : m->items())
      if (state.is_string()) s.members[name] = state.get<std::string>();
  if (const auto in = j.find("instances"); in != j.end() && in->is_object())
    for (const auto& [key, v] : in->items())
      if (v.is_object()) s.instances[key] = str(v, "health");
  return true;
}

}  // namespace

double family_sum(const Metrics& m, const std::string& name) {
  double total = 0;
  for (auto it = m.lower_bound(name); it != m.end() && it->first.rfind(name, 0) == 0; ++it)
    if (it->first.size() == name.size() || it->first[name.size()] == '{') total += it->second;
  return total;
}

Recorder::Recorder(Cluster& cluster, std::chrono::milliseconds period)
    : cluster_(cluster),
      period_(period),
      after_(static_cast<std::size_t>(cluster.size()), 0),
      generation_(static_cast<std::size_t>(cluster.size()), 1) {
  for (int i = 0; i < cluster.size(); ++i)
    threads_.emplace_back([this, i] { poll_loop(i); });
}

Recorder::~Recorder() {
  stop_ = true;
  cv_.notify_all();
  for (auto& t : threads_)
    t.join();
}

void Recorder::restarted(int slot) {
  std::lock_guard lock(mu_);
  after_[static_cast<std::size_t>(slot)] = 0;
  generation_[static_cast<std::size_t>(slot)] = cluster_.starts(slot);
  latest_.erase(Cluster::name_of(slot));
}

void Recorder::poll_loop(int slot) {
  const auto name = Cluster::name_of(slot);
  auto client = client_for(Cluster::http_port_of(slot));
  auto next = Clock::now();
  while (!stop_) {
    Status s;
    s.sent_ms = now_ms();
    std::uint64_t after = 0;
    int generation = 0;
    {
      std::lock_guard lock(mu_);
      after = after_[static_cast<std::size_t>(slot)];
      generation = generation_[static_cast<std::size_t>(slot)];
    }
    bool answered = false;
    if (auto res = client->Get("/v1/status"); res && res->status == 200) {
      s.ok = parse_status(res->body, s);
      answered = true;
    }
    s.polled_ms = now_ms();
    std::vector<Event> fresh;
    std::uint64_t next_after = after;
    if (answered) {
      const auto path = "/v1/events?after=" + std::to_string(after) + "&wait=0ms";
      if (auto res = client->Get(path); res && res->status == 200) {
        const auto j = nlohmann::json::parse(res->body, nullptr, false);
        if (j.is_object() && j.contains("next") && j["next"].is_number_unsigned()) {
          next_after = j["next"].get<std::uint64_t>();
          for (const auto& e : j.value("events", nlohmann::json::array()))
            if (str(e, "kind") == "member")
              fresh.push_back(Event{e.value("time_ms", std::int64_t{0}), name, generation,
                                    str(e, "type"), str(e, "member")});
        }
      }
    } else {
      client = client_for(Cluster::http_port_of(slot));  // a clean connection next time
    }
    {
      std::lock_guard lock(mu_);
      // A restart between the request and now: these belong to no generation we track.
      if (generation == generation_[static_cast<std::size_t>(slot)]) {
        after_[static_cast<std::size_t>(slot)] = next_after;
        events_.insert(events_.end(), fresh.begin(), fresh.end());
        latest_[name] = std::move(s);
      }
    }
    cv_.notify_all();
    next += period_;
    const auto now = Clock::now();
    if (next < now) next = now;
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, next, [&] { return stop_.load(); });
  }
}

std::vector<Event> Recorder::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

Statuses Recorder::statuses() const {
  std::lock_guard lock(mu_);
  return latest_;
}

std::optional<std::int64_t> Recorder::wait_for(const std::function<bool(const Statuses&)>& holds,
                                               const std::vector<std::string>& who,
                                               std::int64_t since_ms,
                                               std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  std::unique_lock lock(mu_);
  for (;;) {
    bool fresh = true;
    std::int64_t latest = since_ms;
    for (const auto& name : who) {
      const auto it = latest_.find(name);
      if (it == latest_.end() || !it->second.ok || it->second.sent_ms < since_ms) {
        fresh = false;
        break;
      }
      latest = std::max(latest, it->second.polled_ms);
    }
    if (fresh && holds(latest_)) return latest;
    if (Clock::now() >= deadline || stop_) return std::nullopt;
    cv_.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::milliseconds(100)));
  }
}

std::optional<std::string> Recorder::get(int slot, const std::string& path) const {
  auto client = client_for(Cluster::http_port_of(slot));
  client->set_read_timeout(std::chrono::milliseconds(2000));
  if (auto res = client->Get(path); res && res->status == 200) return res->body;
  return std::nullopt;
}

Metrics Recorder::metrics(int slot) const {
  Metrics m;
  const auto body = get(slot, "/metrics");
  if (!body) return m;
  std::istringstream in(*body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    try {
      m[line.substr(0, space)] = std::stod(line.substr(space + 1));
    } catch (const std::exception&) {
    }
  }
  return m;
}

}  // namespace hearsay::faults
