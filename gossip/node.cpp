// hearsay::Node: the runtime. One thread owns the ZeroMQ transport and the
// protocol core; user calls become commands posted to it (woken through an
// eventfd); it publishes immutable snapshots (registry, members, stats) for
// lock-free reads and runs watch callbacks in order.
#include "hearsay/node.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <zmq.hpp>

#include "gossip/registry_data.hpp"
#include "gossip/zmq_transport.hpp"
#include "membership/core.hpp"
#include "membership/service_set.hpp"

namespace hearsay {

using membership::Clock;
using membership::TimePoint;
using Command = std::function<void(membership::Core&, TimePoint)>;

namespace {

std::uint64_t wall_ms() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

std::optional<gossip::CurveOptions> curve_of(const Config& c) {
  if (!c.cluster_key) return std::nullopt;
  gossip::CurveOptions o;
  o.server_public = c.cluster_key->public_key;
  o.server_secret = c.cluster_key->secret_key;
  const auto& client = c.node_key ? *c.node_key : *c.cluster_key;
  o.client_public = client.public_key;
  o.client_secret = client.secret_key;
  o.allowed_client_keys = c.allowed_keys;
  o.allowed_client_keys.push_back(c.cluster_key->public_key);
  if (c.node_key) o.allowed_client_keys.push_back(c.node_key->public_key);
  // Key rotation: peers may serve an extra cluster key instead; dial them with
  // it (and its pair as client key, or node_key), and admit its holders.
  for (const auto& extra : c.extra_cluster_keys) {
    const auto& key = c.node_key ? *c.node_key : extra;
    o.alternatives.push_back({extra.public_key, key.public_key, key.secret_key});
    o.allowed_client_keys.push_back(extra.public_key);
  }
  return o;
}

using InstanceKey = std::pair<std::string, std::string>;  // member, service id

std::map<InstanceKey, const Instance*> index_of(const std::vector<Instance>* list) {
  std::map<InstanceKey, const Instance*> out;
  if (list)
    for (const auto& i : *list)
      out.emplace(InstanceKey{i.member, i.service.id}, &i);
  return out;
}

}  // namespace

struct Node::Impl {
  Config config;
  std::string name;
  std::string endpoint;
  zmq::context_t context{1};
  std::unique_ptr<gossip::ZmqTransport> transport;
  std::unique_ptr<membership::Core> core;
  int wake_fd = -1;

  // posted work, and this node's own services as the user last set them
  std::mutex mu;
  std::deque<Command> commands;
  std::vector<Service> own_services;

  // published snapshots
  std::atomic<std::shared_ptr<const detail::RegistryData>> registry_data;
  std::shared_ptr<detail::PickState> pick_state = std::make_shared<detail::PickState>();
  std::atomic<std::shared_ptr<const std::vector<MemberInfo>>> members;
  std::atomic<std::shared_ptr<const Stats>> stats;
  std::atomic<std::uint64_t> digest{0};

  // watches
  std::mutex watch_mu;
  std::uint64_t next_watch = 1;
  std::map<std::uint64_t,
           std::pair<std::string, std::shared_ptr<std::function<void(const ServiceEvent&)>>>>
      service_watches;
  std::map<std::uint64_t, std::shared_ptr<std::function<void(const MemberEvent&)>>> member_watches;
  std::atomic<std::uint64_t> callback_errors{0};

  // lifecycle
  std::thread thread;
  std::atomic<bool> stop{false};
  std::atomic<bool> leave_requested{false};
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool leave_drained = false;

  // node-thread state
  std::uint64_t published_version = ~0ULL;
  TimePoint next_stats_at{};
  std::set<std::string, std::less<>> blocked;  // fault injection: no sends there
  std::uint64_t blocked_drops = 0;
  std::uint64_t commands_rejected = 0;
  std::shared_ptr<const Stats> last_logged;  // faults reported through config.log so far
  TimePoint next_fault_log_at{};

  ~Impl() {
    if (wake_fd >= 0) ::close(wake_fd);
  }

  void post(Command c) {
    {
      std::lock_guard lock(mu);
      commands.push_back(std::move(c));
    }
    wake();
  }
  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  void run();
  void step(TimePoint now);
  void flush();
  void publish(TimePoint now, bool force);
  void deliver_member_events();
  void publish_registry();
  void notify_services(const detail::RegistryData* before, const detail::RegistryData& after);
  void publish_stats();
  void log(LogLevel level, const std::string& message) const;
  void log_faults(const Stats& now_stats, TimePoint now);
};

Node::Node(Config config) : impl_(std::make_shared<Impl>()) {
  config.validate();
  auto& d = *impl_;
  d.config = std::move(config);
  d.name = d.config.name;
  gossip::TransportOptions t;
  t.bind = d.config.bind;
  t.max_message_bytes = d.config.max_message_bytes;
  t.send_hwm = d.config.send_queue_messages;
  t.max_connections = d.config.max_connections;
  t.idle_close = d.config.idle_connection_close;
  t.curve = curve_of(d.config);
  d.transport = std::make_unique<gossip::ZmqTransport>(d.context, std::move(t));
  d.endpoint = d.config.advertise.empty() ? d.transport->bound_endpoint() : d.config.advertise;
  d.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (d.wake_fd < 0) throw std::runtime_error("hearsay::Node: eventfd failed");
  const auto now = Clock::now();
  const auto seed = wall_ms() ^ (std::hash<std::string>{}(d.name) << 1);
  d.core = std::make_unique<membership::Core>(
      d.config, membership::Identity{d.name, d.endpoint, wall_ms()}, seed, now);
  d.own_services = d.config.services;  // validate() checked them as a set
  for (const auto& s : d.config.services)
    d.core->advertise(now, s);
  d.core->join(now, d.config.seeds);
  d.publish(now, true);
  d.thread = std::thread([impl = impl_.get()] { impl->run(); });
}

Node::~Node() {
  if (!impl_) return;
  if (!impl_->stop.load() && !impl_->leave_requested.load()) leave(impl_->config.leave_timeout);
  impl_->stop = true;
  impl_->wake();
  if (impl_->thread.joinable()) impl_->thread.join();
}

const std::string& Node::name() const {
  return impl_->name;
}
const std::string& Node::endpoint() const {
  return impl_->endpoint;
}

void Node::join(std::vector<std::string> seeds) {
  Config probe = impl_->config;
  probe.seeds = seeds;
  probe.validate();
  impl_->post([seeds = std::move(seeds)](membership::Core& core, TimePoint now) mutable {
    core.join(now, std::move(seeds));
  });
}

void Node::advertise(Service service) {
  auto& d = *impl_;
  {
    std::lock_guard lock(d.mu);
    d.own_services = membership::with_service(d.own_services, service, d.config);
  }
  d.post([service = std::move(service)](membership::Core& core, TimePoint now) mutable {
    core.advertise(now, std::move(service));
  });
}

bool Node::withdraw(std::string_view id) {
  auto& d = *impl_;
  {
    std::lock_guard lock(d.mu);
    auto it = std::find_if(d.own_services.begin(), d.own_services.end(),
                           [&](const Service& s) { return s.id == id; });
    if (it == d.own_services.end()) return false;
    d.own_services.erase(it);
  }
  d.post([id = std::string(id)](membership::Core& core, TimePoint now) { core.withdraw(now, id); });
  return true;
}

bool Node::set_health(std::string_view id, Health health) {
  auto& d = *impl_;
  {
    std::lock_guard lock(d.mu);
    auto it = std::find_if(d.own_services.begin(), d.own_services.end(),
                           [&](const Service& s) { return s.id == id; });
    if (it == d.own_services.end()) return false;
    it->health = health;
  }
  d.post([id = std::string(id), health](membership::Core& core, TimePoint now) {
    core.set_health(now, id, health);
  });
  return true;
}

std::vector<Service> Node::services() const {
  std::lock_guard lock(impl_->mu);
  return impl_->own_services;
}

Registry Node::registry() const {
  return Registry(impl_->registry_data.load(), impl_->pick_state);
}

std::vector<MemberInfo> Node::members() const {
  auto m = impl_->members.load();
  return m ? *m : std::vector<MemberInfo>{};
}

Stats Node::stats() const {
  auto s = impl_->stats.load();
  Stats out = s ? *s : Stats{};
  out.callback_errors = impl_->callback_errors.load();
  return out;
}

std::uint64_t Node::digest() const {
  return impl_->digest.load();
}

Watch Node::watch(std::string service, std::function<void(const ServiceEvent&)> fn) {
  auto& d = *impl_;
  std::lock_guard lock(d.watch_mu);
  const auto id = d.next_watch++;
  d.service_watches.emplace(
      id, std::pair{std::move(service), std::make_shared<decltype(fn)>(std::move(fn))});
  return Watch([weak = std::weak_ptr<Impl>(impl_), id] {
    if (auto i = weak.lock()) {
      std::lock_guard l(i->watch_mu);
      i->service_watches.erase(id);
    }
  });
}

Watch Node::watch_members(std::function<void(const MemberEvent&)> fn) {
  auto& d = *impl_;
  std::lock_guard lock(d.watch_mu);
  const auto id = d.next_watch++;
  d.member_watches.emplace(id, std::make_shared<decltype(fn)>(std::move(fn)));
  return Watch([weak = std::weak_ptr<Impl>(impl_), id] {
    if (auto i = weak.lock()) {
      std::lock_guard l(i->watch_mu);
      i->member_watches.erase(id);
    }
  });
}

void Node::leave() {
  leave(impl_->config.leave_timeout);
}

void Node::leave(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (d.stop.load() || d.leave_requested.exchange(true)) return;
  d.post([](membership::Core& core, TimePoint now) { core.leave(now); });
  std::unique_lock lock(d.done_mu);
  d.done_cv.wait_for(lock, timeout, [&] { return d.leave_drained; });
  lock.unlock();
  d.stop = true;
  d.wake();
  if (d.thread.joinable()) d.thread.join();
}

void Node::block_peers_for_testing(std::vector<std::string> endpoints) {
  impl_->post([impl = impl_.get(), endpoints = std::move(endpoints)](membership::Core&, TimePoint) {
    impl->blocked = {endpoints.begin(), endpoints.end()};
    // Open connections would let queued messages through; start afresh.
    for (const auto& e : impl->blocked)
      impl->transport->disconnect(e);
  });
}

void Node::stop_abruptly_for_testing() {
  auto& d = *impl_;
  d.leave_requested = true;  // the destructor must not leave either
  d.stop = true;
  d.wake();
  if (d.thread.joinable()) d.thread.join();
}

// --- the node thread ---------------------------------------------------------

void Node::Impl::run() {
  while (!stop.load()) {
    step(Clock::now());
    const auto now = Clock::now();
    // Sleep until the core or the transport has timed work, or a socket or
    // the wake-up eventfd stirs; the cap only bounds a clock surprise.
    const auto deadline = std::min(
        {core->next_deadline(), transport->next_deadline(), now + std::chrono::milliseconds(1000)});
    const auto wait = std::max(Clock::duration::zero(), deadline - now);
    // The inbound socket, the ZAP handler and connection monitors (the list
    // changes as connections open and close), and the wake-up eventfd.
    std::vector<zmq::pollitem_t> items;
    for (auto* sock : transport->poll_sockets())
      items.push_back({sock->handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({nullptr, wake_fd, ZMQ_POLLIN, 0});
    try {
      zmq::poll(items, std::chrono::duration_cast<std::chrono::milliseconds>(wait) +
                           std::chrono::milliseconds(wait.count() > 0 ? 1 : 0));
    } catch (const zmq::error_t&) {
      // EINTR: go round again
    }
    if (items.back().revents & ZMQ_POLLIN) {
      std::uint64_t n = 0;
      [[maybe_unused]] auto r = ::read(wake_fd, &n, sizeof n);
    }
  }
  // Sockets are closed by the thread that used them.
  transport.reset();
}

void Node::Impl::step(TimePoint now) {
  std::deque<Command> todo;
  {
    std::lock_guard lock(mu);
    todo.swap(commands);
  }
  for (auto& c : todo) {
    try {
      c(*core, now);
    } catch (const std::exception& e) {
      // Checked on the caller's thread already; a race with limits is dropped.
      ++commands_rejected;
      log(LogLevel::warning, std::string("hearsay: command rejected: ") + e.what());
    }
  }
  transport->service(now);
  for (const auto& ep : transport->take_closed())
    core->on_connection_closed(now, ep);
  for (const auto& msg : transport->receive_all())
    core->on_message(now, msg);
  if (now >= core->next_deadline()) core->on_tick(now);
  flush();
  publish(now, false);
  // Left, and the news is out (or there is nobody left to tell).
  if (core->left() && (core->broadcasts_pending() == 0 || core->members().live_count() == 0)) {
    std::lock_guard lock(done_mu);
    if (!leave_drained) {
      leave_drained = true;
      done_cv.notify_all();
    }
  }
}

void Node::Impl::flush() {
  for (auto& out : core->take_outgoing()) {
    if (!blocked.empty() && blocked.count(out.endpoint)) {
      ++blocked_drops;
      continue;
    }
    transport->send(out.endpoint, out.bytes);
  }
}

void Node::Impl::log(LogLevel level, const std::string& message) const {
  if (!config.log) return;
  try {
    config.log(level, message);
  } catch (...) {
    // The host's logger failing must not take the node down.
  }
}

// Faults are counted as they happen; the log hears about them at most once a
// second, summed, so a flood of garbage cannot flood the host's log too.
void Node::Impl::log_faults(const Stats& s, TimePoint now) {
  if (!config.log || now < next_fault_log_at) return;
  next_fault_log_at = now + std::chrono::seconds(1);
  const Stats before = last_logged ? *last_logged : Stats{};
  std::string drops;
  for (const auto& [reason, n] : s.dropped) {
    auto it = before.dropped.find(reason);
    const auto was = it == before.dropped.end() ? 0 : it->second;
    if (n > was) drops += " " + reason + "=" + std::to_string(n - was);
  }
  if (!drops.empty()) log(LogLevel::warning, "hearsay: dropped inbound messages:" + drops);
  const auto rose = [&](std::uint64_t now_v, std::uint64_t was, const char* what) {
    if (now_v > was) log(LogLevel::warning, "hearsay: " + std::to_string(now_v - was) + " " + what);
  };
  rose(s.callback_errors, before.callback_errors, "watch callback(s) threw");
  rose(s.zap_denied, before.zap_denied, "inbound connection(s) refused by the key allow-list");
  rose(s.handshake_failures, before.handshake_failures,
       "outbound CURVE handshake(s) failed (wrong cluster key?)");
  last_logged = std::make_shared<const Stats>(s);
}

void Node::Impl::publish(TimePoint now, bool force) {
  digest.store(core->digest());
  deliver_member_events();
  if (force || core->registry().version() != published_version) {
    published_version = core->registry().version();
    publish_registry();
    auto list = std::make_shared<std::vector<MemberInfo>>();
    for (const auto& [n, m] : core->members().all())
      list->push_back(MemberInfo{m.name, m.endpoint, m.state, m.services.size()});
    members.store(std::move(list));
  }
  if (force || now >= next_stats_at) {
    next_stats_at = now + std::chrono::milliseconds(100);
    publish_stats();
  }
}

void Node::Impl::deliver_member_events() {
  auto events = core->take_events();
  if (events.empty()) return;
  for (const auto& e : events)
    if (e.type == MemberEventType::dead || e.type == MemberEventType::left)
      transport->disconnect(e.endpoint);
  std::vector<std::shared_ptr<std::function<void(const MemberEvent&)>>> fns;
  {
    std::lock_guard lock(watch_mu);
    for (const auto& [id, fn] : member_watches)
      fns.push_back(fn);
  }
  for (const auto& e : events) {
    for (const auto& fn : fns) {
      try {
        (*fn)(e);
      } catch (...) {
        ++callback_errors;
      }
    }
  }
}

void Node::Impl::publish_registry() {
  auto data = std::make_shared<detail::RegistryData>();
  data->version = core->registry().version();
  membership::Query all;
  all.worst_health = Health::critical;
  for (const auto& service : core->registry().service_names()) {
    auto& list = data->by_name[service];
    for (auto& i : core->registry().lookup(service, all)) {
      Instance inst{i.member, i.member_state, std::move(i.service), std::nullopt};
      if (auto rtt = core->rtt(i.member))
        inst.rtt = std::chrono::duration_cast<std::chrono::microseconds>(*rtt);
      list.push_back(std::move(inst));
    }
  }
  auto before = registry_data.load();
  registry_data.store(data);
  notify_services(before.get(), *data);
}

void Node::Impl::notify_services(const detail::RegistryData* before,
                                 const detail::RegistryData& after) {
  std::vector<std::pair<std::string, std::shared_ptr<std::function<void(const ServiceEvent&)>>>>
      fns;
  {
    std::lock_guard lock(watch_mu);
    for (const auto& [id, w] : service_watches)
      fns.push_back(w);
  }
  const auto find = [](const detail::RegistryData* d, const std::string& service_name) {
    const std::vector<Instance>* out = nullptr;
    if (d)
      if (auto it = d->by_name.find(service_name); it != d->by_name.end()) out = &it->second;
    return out;
  };
  for (const auto& [service, fn] : fns) {
    const auto old_index = index_of(find(before, service));
    const auto new_index = index_of(find(&after, service));
    std::vector<ServiceEvent> events;
    for (const auto& [key, inst] : new_index) {
      auto it = old_index.find(key);
      if (it == old_index.end())
        events.push_back({ServiceEventType::added, *inst});
      else if (!(it->second->service == inst->service) ||
               it->second->member_state != inst->member_state)
        events.push_back({ServiceEventType::updated, *inst});
    }
    for (const auto& [key, inst] : old_index)
      if (!new_index.count(key)) events.push_back({ServiceEventType::removed, *inst});
    for (const auto& e : events) {
      try {
        (*fn)(e);
      } catch (...) {
        ++callback_errors;
      }
    }
  }
}

void Node::Impl::publish_stats() {
  auto s = std::make_shared<Stats>();
  const auto& cs = core->stats();
  for (std::size_t t = 1; t < cs.messages_in.size(); ++t) {
    const auto type =
        std::string(membership::wire::to_string(static_cast<membership::wire::MessageType>(t)));
    s->messages_in[type] = cs.messages_in[t];
    s->messages_out[type] = cs.messages_out[t];
  }
  for (std::size_t r = 1; r < cs.dropped.size(); ++r)
    s->dropped[std::string(
        membership::wire::to_string(static_cast<membership::wire::DropReason>(r)))] = cs.dropped[r];
  s->bytes_in = cs.bytes_in;
  s->bytes_out = cs.bytes_out;
  const auto& ts = transport->stats();
  s->send_dropped = ts.send_dropped + blocked_drops;
  s->probes = cs.probes;
  s->indirect_probes = cs.indirect_probes;
  s->suspicions = cs.suspicions;
  s->refutations = cs.refutations;
  s->deaths_declared = cs.deaths_declared;
  s->syncs = cs.syncs_started;
  s->connections_opened = ts.connections_opened;
  s->connections_closed = ts.connections_closed;
  s->peer_disconnects = ts.peer_disconnects;
  s->zap_denied = ts.zap_denied;
  s->handshake_failures = ts.handshake_failures;
  s->key_switches = ts.key_switches;
  s->queued_lost = ts.queued_lost;
  const auto& t = core->members();
  s->members_alive = t.count(MemberState::alive);
  s->members_suspect = t.count(MemberState::suspect);
  s->members_dead = t.count(MemberState::dead);
  s->members_left = t.count(MemberState::left);
  s->awareness = static_cast<std::uint64_t>(core->awareness());
  s->broadcast_queue = core->broadcasts_pending();
  {
    std::lock_guard lock(mu);
    s->command_queue = commands.size();
  }
  s->outbound_connections = ts.open_connections;
  s->callback_errors = callback_errors.load();
  s->commands_rejected = commands_rejected;
  log_faults(*s, Clock::now());
  stats.store(std::move(s));
}

}  // namespace hearsay
