#include "demo/cluster/traffic.hpp"

#include <httplib.h>

namespace hearsay::tools {

Traffic::Traffic(int gateway_port, double rate) : port_(gateway_port), rate_(rate) {}

Traffic::~Traffic() {
  stop();
}

void Traffic::start() {
  if (rate_ <= 0 || thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void Traffic::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Traffic::run() {
  httplib::Client client("127.0.0.1", port_);
  client.set_keep_alive(true);
  client.set_connection_timeout(std::chrono::seconds(1));
  client.set_read_timeout(std::chrono::seconds(1));
  client.set_write_timeout(std::chrono::seconds(1));
  const auto gap =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate_));
  auto next = Clock::now();
  while (!stop_) {
    Request r;
    r.sent = Clock::now();
    if (auto res = client.Get("/web/")) {
      r.status = res->status;
      r.instance = res->get_header_value("X-Hearsay-Instance");
      r.member = res->get_header_value("X-Hearsay-Member");
    }
    {
      std::lock_guard lock(mu_);
      log_.push_back(std::move(r));
    }
    // A fixed schedule; a slow answer skips the slots it overran rather
    // than bursting to catch up.
    next += gap;
    const auto now = Clock::now();
    if (next < now) next = now;
    while (!stop_ && Clock::now() < next)
      std::this_thread::sleep_for(
          std::min<Clock::duration>(next - Clock::now(), std::chrono::milliseconds(50)));
  }
}

std::vector<Request> Traffic::requests() const {
  std::lock_guard lock(mu_);
  return log_;
}

TrafficFigures Traffic::figures(Clock::time_point from, Clock::time_point to) const {
  TrafficFigures f;
  std::lock_guard lock(mu_);
  for (const auto& r : log_) {
    if (r.sent < from || r.sent >= to) continue;
    ++f.requests;
    if (r.ok()) {
      ++f.successes;
      ++f.spread[r.instance];
    } else {
      ++f.errors;
    }
  }
  return f;
}

}  // namespace hearsay::tools
