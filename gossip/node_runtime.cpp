#include "gossip/node_runtime.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "gossip/curve_options.hpp"
#include "gossip/node_stats.hpp"
#include "membership/service_set.hpp"

namespace hearsay::gossip {

using membership::Clock;

namespace {

std::uint64_t wall_ms() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

TransportOptions transport_options(const Config& c) {
  TransportOptions t;
  t.bind = c.bind;
  t.max_message_bytes = c.max_message_bytes;
  t.send_hwm = c.send_queue_messages;
  t.max_connections = c.max_connections;
  t.idle_close = c.idle_connection_close;
  // A connection not up within a probe timeout has failed its probe already;
  // a fresh SYN then beats waiting out the kernel's SYN retransmissions.
  t.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c.probe_timeout);
  // A stream stalled for several probe timeouts is worth a fresh connection:
  // what waits on it is late already.
  t.stall_timeout = 4 * t.connect_timeout;
  t.curve = curve_options(c);
  return t;
}

}  // namespace

NodeRuntime::NodeRuntime(Config config)
    : config_(std::move(config)), fault_log_(config_.log, config_.cluster_key.has_value()) {
  config_.validate();
  transport_ = std::make_unique<ZmqTransport>(context_, transport_options(config_));
  endpoint_ = config_.advertise.empty() ? transport_->bound_endpoint() : config_.advertise;
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error("hearsay::Node: eventfd failed");
  const auto now = Clock::now();
  const auto seed = wall_ms() ^ (std::hash<std::string>{}(config_.name) << 1);
  core_ = std::make_unique<membership::Core>(
      config_, membership::Identity{config_.name, endpoint_, wall_ms()}, seed, now,
      membership::Delivery::streams);
  own_services_ = config_.services;  // validate() checked them as a set
  core_->set_services(now, own_services_);
  core_->join(now, config_.seeds);
  publish(now, true);
}

NodeRuntime::~NodeRuntime() {
  stop_ = true;
  join_thread();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void NodeRuntime::start() {
  thread_ = std::thread([this] { run(); });
}

void NodeRuntime::join_thread() {
  if (wake_fd_ >= 0) wake();
  if (thread_.joinable()) thread_.join();
}

void NodeRuntime::leave(std::chrono::milliseconds timeout) {
  if (stop_.load() || leave_requested_.exchange(true)) return;
  post([](membership::Core& core, TimePoint now) { core.leave(now); });
  std::unique_lock lock(done_mu_);
  done_cv_.wait_for(lock, timeout, [&] { return leave_drained_; });
  lock.unlock();
  stop_ = true;
  join_thread();
}

void NodeRuntime::stop_abruptly() {
  leave_requested_ = true;  // the destructor must not leave either
  stop_ = true;
  join_thread();
}

void NodeRuntime::wake() const {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void NodeRuntime::post(Command c) {
  {
    std::lock_guard lock(mu_);
    commands_.push_back(std::move(c));
  }
  wake();
}

bool NodeRuntime::change_services(const std::function<bool(std::vector<Service>&)>& change) {
  {
    std::lock_guard lock(mu_);
    auto next = own_services_;
    if (!change(next)) return false;
    own_services_ = next;
    // Posted under the same lock: the core sees the sets in the order they
    // were made, so it always ends with the owner's last one.
    commands_.push_back([set = std::move(next)](membership::Core& core, TimePoint now) mutable {
      core.set_services(now, std::move(set));
    });
  }
  wake();
  return true;
}

std::vector<Service> NodeRuntime::services() const {
  std::lock_guard lock(mu_);
  return own_services_;
}

void NodeRuntime::block_peers(std::vector<std::string> endpoints) {
  post([this, endpoints = std::move(endpoints)](membership::Core&, TimePoint) {
    blocked_ = {endpoints.begin(), endpoints.end()};
    // Open connections would let queued messages through; start afresh.
    for (const auto& e : blocked_)
      transport_->disconnect(e);
  });
}

Stats NodeRuntime::stats() const {
  auto s = snapshots_.stats();
  Stats out = s ? *s : Stats{};
  out.callback_errors = watches_.callback_errors();
  return out;
}

void NodeRuntime::run() {
  while (!stop_.load()) {
    step(Clock::now());
    const auto now = Clock::now();
    // Sleep until the core or the transport has timed work, or a socket or
    // the wake-up eventfd stirs; the cap only bounds a clock surprise.
    const auto deadline = std::min(
        {core_->next_deadline(), transport_->next_deadline(), now + std::chrono::seconds(1)});
    const auto wait = std::max(Clock::duration::zero(), deadline - now);
    // The inbound socket, the ZAP handler and connection monitors (the list
    // changes as connections open and close), and the wake-up eventfd.
    std::vector<zmq::pollitem_t> items;
    for (auto* sock : transport_->poll_sockets())
      items.push_back({sock->handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({nullptr, wake_fd_, ZMQ_POLLIN, 0});
    try {
      zmq::poll(items, std::chrono::duration_cast<std::chrono::milliseconds>(wait) +
                           std::chrono::milliseconds(wait.count() > 0 ? 1 : 0));
    } catch (const zmq::error_t&) {
      // EINTR: go round again
    }
    if (items.back().revents & ZMQ_POLLIN) {
      std::uint64_t n = 0;
      [[maybe_unused]] auto r = ::read(wake_fd_, &n, sizeof n);
    }
  }
  // Sockets are closed by the thread that used them.
  transport_.reset();
}

void NodeRuntime::run_commands(TimePoint now) {
  std::deque<Command> todo;
  {
    std::lock_guard lock(mu_);
    todo.swap(commands_);
  }
  for (auto& c : todo) {
    try {
      c(*core_, now);
    } catch (const std::exception& e) {
      // Every command was checked on the caller's thread with the same rules.
      fault_log_.log(LogLevel::error, std::string("hearsay: command failed: ") + e.what());
    }
  }
}

void NodeRuntime::step(TimePoint now) {
  run_commands(now);
  transport_->service(now);
  for (const auto& ep : transport_->take_closed())
    core_->on_connection_closed(now, ep);
  for (const auto& ep : transport_->take_refused())
    core_->on_connection_refused(now, ep);
  for (const auto& msg : transport_->receive_all())
    core_->on_message(now, msg);
  if (now >= core_->next_deadline()) core_->on_tick(now);
  flush(now);
  publish(now, false);
  finish_leave_if_drained();
}

// Left, and the news is out (or there is nobody left to tell).
void NodeRuntime::finish_leave_if_drained() {
  if (!core_->left()) return;
  if (core_->broadcasts_pending() != 0 && core_->members().live_count() != 0) return;
  std::lock_guard lock(done_mu_);
  if (!leave_drained_) {
    leave_drained_ = true;
    done_cv_.notify_all();
  }
}

// The configured idle close, but never below two rounds of the probe
// schedule (Config::idle_connection_close). Called when members change.
void NodeRuntime::fit_idle_close() {
  const auto round = config_.probe_interval * static_cast<long>(core_->members().live_count());
  const auto idle = std::max(config_.idle_connection_close,
                             std::chrono::duration_cast<std::chrono::milliseconds>(2 * round));
  if (idle == idle_close_) return;
  idle_close_ = idle;
  transport_->set_idle_close(idle);
}

void NodeRuntime::flush(TimePoint now) {
  for (auto& out : core_->take_outgoing()) {
    if (!blocked_.empty() && blocked_.count(out.endpoint)) {
      ++counters_.sends_blocked;
      continue;
    }
    transport_->send(now, out.endpoint, out.bytes);
  }
}

// Snapshots first, then callbacks: a callback that reads the registry or the
// member list sees the change it is told about.
void NodeRuntime::publish(TimePoint now, bool force) {
  snapshots_.publish_digest(core_->digest());
  std::shared_ptr<const detail::RegistryData> before;
  const bool changed = force || core_->registry().version() != published_version_;
  if (changed) {
    published_version_ = core_->registry().version();
    before = snapshots_.publish_view(*core_);
  }
  const auto events = core_->take_events();
  for (const auto& e : events)
    if (e.type == MemberEventType::dead || e.type == MemberEventType::left)
      transport_->disconnect(e.endpoint);
  if (!events.empty()) fit_idle_close();  // the live count changes only with an event
  watches_.deliver(events);
  if (changed) watches_.deliver_changes(before.get(), *snapshots_.registry());
  if (force || now >= next_stats_at_) {
    next_stats_at_ = now + std::chrono::milliseconds(100);
    std::size_t queued = 0;
    {
      std::lock_guard lock(mu_);
      queued = commands_.size();
    }
    counters_.callback_errors = watches_.callback_errors();
    auto s = std::make_shared<const Stats>(
        collect_stats(*core_, transport_->stats(), counters_, queued));
    fault_log_.report(*s, now);
    snapshots_.publish_stats(std::move(s));
  }
}

}  // namespace hearsay::gossip
