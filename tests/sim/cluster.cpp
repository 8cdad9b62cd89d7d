// Cluster: the discrete-event loop that drives N real cores in virtual time.
//
// One min-heap of events ordered by (time, insertion number): deliveries,
// ticks and scheduled callbacks. Ticks are invalidated lazily: each node keeps
// a tick generation; rescheduling bumps it and pushes a new tick, and a popped
// tick whose generation is stale is ignored. After every input to a node its
// output is drained at once (messages onto the network, events counted) and
// its tick rescheduled at next_deadline(), so nothing waits for a poll.
//
// Determinism: every sub-seed derives from the root seed with splitmix64, the
// heap breaks ties by insertion order, and nothing iterates an unordered
// container. The trace hash mixes the same fields the text trace prints, so
// two runs can be compared cheaply without keeping the text.
#include "tests/sim/cluster.hpp"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <deque>
#include <map>
#include <stdexcept>
#include <utility>

namespace hearsay::sim {
namespace {

constexpr std::size_t kNone = SIZE_MAX;
constexpr std::string_view kEndpointPrefix = "sim://n";
// Domain tags for sub-seeds, so node and network streams never coincide.
constexpr std::uint64_t kNodeSeedTag = 0x6e6f6465;  // "node"
constexpr std::uint64_t kNetSeedTag = 0x6e6574;     // "net"
// A leaving node is stopped after this long even if news is still queued.
constexpr Duration kLeaveDrainMax = std::chrono::seconds(5);
// A core that asks to be ticked again at the instant it was just ticked gets
// its next tick this much later, so a deadline bug cannot freeze virtual time.
constexpr Duration kSpinGuard = std::chrono::microseconds(1);

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t derive_seed(std::uint64_t root, std::uint64_t tag, std::uint64_t a = 0,
                          std::uint64_t b = 0) {
  return splitmix64(splitmix64(splitmix64(splitmix64(root) ^ tag) ^ a) ^ b);
}

std::uint64_t hash_bytes(const membership::wire::Bytes& bytes) {
  return XXH64(bytes.data(), bytes.size(), 0);
}

std::uint64_t generation_at(TimePoint t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(t - TimePoint{}).count());
}

// What the trace records. Names print in the text; codes feed the hash.
enum class Op : std::uint8_t {
  start,
  restart,
  deliver,
  queue,
  drop_net,
  drop_down,
  drop_full,
  drop_unknown,
  tick,
  crash,
  pause,
  resume,
  leave,
  stopped,
  event,
  callback,
};

std::string_view op_name(Op op) {
  switch (op) {
    case Op::start:
      return "start";
    case Op::restart:
      return "restart";
    case Op::deliver:
      return "deliver";
    case Op::queue:
      return "queue";
    case Op::drop_net:
    case Op::drop_down:
    case Op::drop_full:
    case Op::drop_unknown:
      return "drop";
    case Op::tick:
      return "tick";
    case Op::crash:
      return "crash";
    case Op::pause:
      return "pause";
    case Op::resume:
      return "resume";
    case Op::leave:
      return "leave";
    case Op::stopped:
      return "stopped";
    case Op::event:
      return "event";
    case Op::callback:
      return "callback";
  }
  return "?";
}

bool is_link_op(Op op) {
  return op == Op::deliver || op == Op::queue || op == Op::drop_net || op == Op::drop_down ||
         op == Op::drop_full || op == Op::drop_unknown;
}

template <typename Int>
void append_number(std::string& out, Int v, int base = 10) {
  std::array<char, 24> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v, base);
  out.append(buf.data(), r.ptr);
}

void append_node(std::string& out, std::size_t i) {
  if (i == kNone) {
    out += '?';
    return;
  }
  out += 'n';
  append_number(out, i);
}

enum class Kind : std::uint8_t { deliver, tick, callback, leave_check, refused };

struct Event {
  TimePoint at;
  std::uint64_t seq = 0;
  Kind kind = Kind::tick;
  std::size_t from = 0;  // sender of a delivery; the node of a tick
  std::size_t to = 0;
  std::uint64_t tag = 0;  // tick generation, callback id, or life number
  membership::wire::Bytes bytes;
};

// std::push_heap builds a max-heap; "later" on top inverted gives a min-heap.
struct Later {
  bool operator()(const Event& a, const Event& b) const {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }
};

}  // namespace

struct Cluster::Impl {
  struct Node {
    std::unique_ptr<membership::Core> core;
    NodeStatus status = NodeStatus::stopped;
    std::uint64_t lives = 0;  // cores created so far
    std::uint64_t generation = 0;
    std::uint64_t tick_gen = 0;
    TimePoint tick_at = membership::kNever;  // of the live tick, kNever if none
    bool leaving = false;
    TimePoint leave_deadline{};
    std::deque<std::pair<std::size_t, membership::wire::Bytes>> held;  // inbound while paused
  };

  explicit Impl(ClusterOptions o)
      : options(std::move(o)),
        network(options.link, derive_seed(options.seed, kNetSeedTag)),
        nodes(options.nodes) {
    names.reserve(options.nodes);
    endpoints.reserve(options.nodes);
    for (std::size_t i = 0; i < options.nodes; ++i) {
      names.push_back("n" + std::to_string(i));
      endpoints.push_back(std::string(kEndpointPrefix) + std::to_string(i));
    }
    if (options.check_every <= Duration::zero()) options.check_every = std::chrono::milliseconds(1);
  }

  // --- the event queue ---
  void push(Event ev) {
    ev.seq = next_seq++;
    heap.push_back(std::move(ev));
    std::push_heap(heap.begin(), heap.end(), Later{});
  }

  void advance_to(TimePoint t) {
    while (!heap.empty() && heap.front().at <= t) {
      std::pop_heap(heap.begin(), heap.end(), Later{});
      Event ev = std::move(heap.back());
      heap.pop_back();
      now = std::max(now, ev.at);
      ++steps;
      handle(ev);
    }
    now = std::max(now, t);
  }

  void handle(Event& ev) {
    switch (ev.kind) {
      case Kind::deliver:
        on_deliver(ev);
        return;
      case Kind::tick:
        on_tick_event(ev);
        return;
      case Kind::callback:
        on_callback(ev);
        return;
      case Kind::leave_check:
        on_leave_check(ev);
        return;
      case Kind::refused:
        on_refused(ev);
        return;
    }
  }

  void on_deliver(Event& ev) {
    Node& n = nodes[ev.to];
    switch (n.status) {
      case NodeStatus::running:
        note(Op::deliver, ev.from, ev.to, hash_bytes(ev.bytes));
        report(ev.from, ev.to, ev.bytes, true);
        n.core->on_message(now, ev.bytes);
        after_input(ev.to);
        return;
      case NodeStatus::paused:
        if (n.held.size() < options.pause_queue_max) {
          note(Op::queue, ev.from, ev.to, hash_bytes(ev.bytes));
          report(ev.from, ev.to, ev.bytes, true);
          n.held.emplace_back(ev.from, std::move(ev.bytes));
        } else {
          note(Op::drop_full, ev.from, ev.to, hash_bytes(ev.bytes));
          report(ev.from, ev.to, ev.bytes, false);
        }
        return;
      case NodeStatus::crashed:
      case NodeStatus::stopped:
        note(Op::drop_down, ev.from, ev.to, hash_bytes(ev.bytes));
        report(ev.from, ev.to, ev.bytes, false);
        if (options.refuse_when_down) refuse(ev.to, ev.from);
        return;
    }
  }

  // The reset travels back like any packet (a partition stops it too).
  void refuse(std::size_t down, std::size_t sender) {
    const auto delay = network.transit(down, sender);
    if (!delay) return;
    Event ev;
    ev.at = now + *delay;
    ev.kind = Kind::refused;
    ev.from = down;
    ev.to = sender;
    ev.tag = nodes[sender].lives;
    push(std::move(ev));
  }

  void on_refused(const Event& ev) {
    Node& n = nodes[ev.to];
    if (n.status != NodeStatus::running || ev.tag != n.lives) return;
    n.core->on_connection_refused(now, endpoints[ev.from]);
    after_input(ev.to);
  }

  void on_tick_event(const Event& ev) {
    Node& n = nodes[ev.from];
    if (ev.tag != n.tick_gen) return;  // superseded by a later reschedule
    n.tick_at = membership::kNever;
    if (n.status != NodeStatus::running) return;
    if (now >= n.core->next_deadline()) {
      tick(ev.from);
    } else {
      schedule_tick(ev.from, false);
    }
  }

  void on_callback(const Event& ev) {
    const auto it = callbacks.find(ev.tag);
    if (it == callbacks.end()) return;
    auto fn = std::move(it->second);
    callbacks.erase(it);
    note(Op::callback, kNone, kNone, ev.tag);
    fn();
  }

  void on_leave_check(const Event& ev) {
    Node& n = nodes[ev.from];
    if (!n.leaving || n.lives != ev.tag) return;
    if (n.status == NodeStatus::running || n.status == NodeStatus::paused) stop(ev.from);
  }

  // --- node inputs and outputs ---
  void tick(std::size_t i) {
    note(Op::tick, i);
    nodes[i].core->on_tick(now);
    after_input(i, true);
  }

  // Drains everything one input produced and reschedules the node's tick.
  void after_input(std::size_t i, bool just_ticked = false) {
    Node& n = nodes[i];
    for (auto& out : n.core->take_outgoing())
      send(i, std::move(out));
    for (const auto& e : n.core->take_events()) {
      ++events_by_type[static_cast<std::size_t>(e.type)];
      if (options.trace) {
        note(Op::event, i, static_cast<std::size_t>(e.type), XXH64(e.name.data(), e.name.size(), 0),
             e.name);
      } else {
        note(Op::event, i, static_cast<std::size_t>(e.type),
             XXH64(e.name.data(), e.name.size(), 0));
      }
      if (event_tap) event_tap(now, i, e);
    }
    if (n.leaving && (n.core->broadcasts_pending() == 0 || now >= n.leave_deadline)) {
      stop(i);
      return;
    }
    schedule_tick(i, just_ticked);
  }

  void send(std::size_t from, membership::Outgoing&& out) {
    ++messages_sent;
    bytes_sent += out.bytes.size();
    const std::size_t to = resolve(out.endpoint);
    if (to == kNone) {
      note(Op::drop_unknown, from, kNone, hash_bytes(out.bytes));
      report(from, kNone, out.bytes, false);
      return;
    }
    const auto delay = network.transit(from, to);
    if (!delay) {
      note(Op::drop_net, from, to, hash_bytes(out.bytes));
      report(from, to, out.bytes, false);
      return;
    }
    Event ev;
    ev.at = now + *delay;
    ev.kind = Kind::deliver;
    ev.from = from;
    ev.to = to;
    ev.bytes = std::move(out.bytes);
    push(std::move(ev));
  }

  void schedule_tick(std::size_t i, bool just_ticked) {
    Node& n = nodes[i];
    if (n.status != NodeStatus::running) return;  // paused nodes tick again on resume
    TimePoint due = n.core->next_deadline();
    if (due == membership::kNever) {
      if (n.tick_at != membership::kNever) {
        ++n.tick_gen;
        n.tick_at = membership::kNever;
      }
      return;
    }
    due = std::max(due, now);
    if (just_ticked && due <= now) {
      due = now + kSpinGuard;
      ++spin_guards;
    }
    if (due == n.tick_at) return;
    ++n.tick_gen;
    n.tick_at = due;
    Event ev;
    ev.at = due;
    ev.kind = Kind::tick;
    ev.from = i;
    ev.to = i;
    ev.tag = n.tick_gen;
    push(std::move(ev));
  }

  std::size_t resolve(std::string_view ep) const {
    if (!ep.starts_with(kEndpointPrefix)) return kNone;
    ep.remove_prefix(kEndpointPrefix.size());
    if (ep.empty() || (ep.size() > 1 && ep.front() == '0')) return kNone;
    std::size_t k = 0;
    const auto r = std::from_chars(ep.data(), ep.data() + ep.size(), k);
    if (r.ec != std::errc{} || r.ptr != ep.data() + ep.size() || k >= nodes.size()) return kNone;
    return k;
  }

  void report(std::size_t from, std::size_t to, const membership::wire::Bytes& bytes,
              bool delivered) {
    if (tap) tap(Delivery{now, from, to, &bytes, delivered});
  }

  // --- lifecycle ---
  void create(std::size_t i) {
    Node& n = nodes[i];
    const bool again = n.lives > 0;
    n.generation = std::max(generation_at(now), again ? n.generation + 1 : 0);
    const auto seed = derive_seed(options.seed, kNodeSeedTag, i, n.lives);
    n.core = std::make_unique<membership::Core>(
        options.params, membership::Identity{names[i], endpoints[i], n.generation}, seed, now);
    ++n.lives;
    n.status = NodeStatus::running;
    n.leaving = false;
    n.held.clear();
    ++n.tick_gen;
    n.tick_at = membership::kNever;
    note(again ? Op::restart : Op::start, i, kNone, n.generation);
  }

  void join(std::size_t i, const std::vector<std::size_t>& seeds) {
    std::vector<std::string> eps;
    for (const auto s : seeds) {
      if (s != i && s < nodes.size()) eps.push_back(endpoints[s]);
    }
    nodes[i].core->join(now, std::move(eps));
    after_input(i);
  }

  void halt(std::size_t i, NodeStatus status) {
    Node& n = nodes[i];
    n.status = status;
    n.leaving = false;
    n.held.clear();
    ++n.tick_gen;
    n.tick_at = membership::kNever;
  }

  void stop(std::size_t i) {
    note(Op::stopped, i);
    halt(i, NodeStatus::stopped);
  }

  void flush(std::size_t i) {
    if (nodes[i].core && nodes[i].status == NodeStatus::running) after_input(i);
  }

  void flush_all() {
    for (std::size_t i = 0; i < nodes.size(); ++i)
      flush(i);
  }

  Node& started(std::size_t i) {
    Node& n = nodes.at(i);
    if (!n.core)
      throw std::logic_error("hearsay::sim: node n" + std::to_string(i) + " not started");
    return n;
  }

  // --- trace ---
  void mix(std::uint64_t v) { trace_hash = splitmix64(trace_hash ^ v); }

  void note(Op op, std::size_t a, std::size_t b = kNone, std::uint64_t h = 0,
            std::string_view extra = {}) {
    const auto ns = static_cast<std::uint64_t>((now - kEpoch).count());
    mix(ns);
    mix(static_cast<std::uint64_t>(op));
    mix(a);
    mix(b);
    mix(h);
    if (!options.trace) return;
    append_number(trace, ns);
    trace += ' ';
    trace += op_name(op);
    trace += ' ';
    if (is_link_op(op)) {
      append_node(trace, a);
      trace += "->";
      append_node(trace, b);
      trace += ' ';
      append_number(trace, h, 16);
      if (op == Op::drop_net) trace += " net";
      if (op == Op::drop_down) trace += " down";
      if (op == Op::drop_full) trace += " full";
      if (op == Op::drop_unknown) trace += " unknown";
    } else if (op == Op::event) {
      append_node(trace, a);
      trace += ' ';
      trace += to_string(static_cast<MemberEventType>(b));
      trace += ' ';
      trace += extra;
    } else if (op == Op::callback) {
      trace += '#';
      append_number(trace, h);
    } else {
      append_node(trace, a);
      if (op == Op::start || op == Op::restart) {
        trace += " gen=";
        append_number(trace, h);
      }
    }
    trace += '\n';
  }

  ClusterOptions options;
  Network network;
  std::vector<Node> nodes;
  std::vector<std::string> names;
  std::vector<std::string> endpoints;

  std::vector<Event> heap;
  std::uint64_t next_seq = 0;
  TimePoint now = kEpoch;

  std::map<std::uint64_t, std::function<void()>> callbacks;
  std::uint64_t next_callback = 0;

  std::function<void(const Delivery&)> tap;
  EventTap event_tap;
  std::string trace;
  std::uint64_t trace_hash = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t steps = 0;
  std::uint64_t spin_guards = 0;
  std::array<std::uint64_t, 6> events_by_type{};
};

Cluster::Cluster(ClusterOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Cluster::~Cluster() = default;

// --- topology and lifecycle ---

std::size_t Cluster::size() const {
  return impl_->nodes.size();
}
std::string Cluster::name(std::size_t i) const {
  return impl_->names.at(i);
}
std::string Cluster::endpoint(std::size_t i) const {
  return impl_->endpoints.at(i);
}
membership::Core& Cluster::core(std::size_t i) {
  return *impl_->started(i).core;
}
NodeStatus Cluster::status(std::size_t i) const {
  return impl_->nodes.at(i).status;
}

void Cluster::start_all(const std::vector<std::size_t>& seeds) {
  std::vector<std::size_t> fresh;
  for (std::size_t i = 0; i < impl_->nodes.size(); ++i) {
    if (!impl_->nodes[i].core) {
      impl_->create(i);
      fresh.push_back(i);
    }
  }
  for (const auto i : fresh)
    impl_->join(i, seeds);
}

void Cluster::crash(std::size_t i) {
  auto& n = impl_->started(i);
  if (n.status == NodeStatus::crashed || n.status == NodeStatus::stopped) return;
  impl_->note(Op::crash, i);
  impl_->halt(i, NodeStatus::crashed);
}

void Cluster::restart(std::size_t i, const std::vector<std::size_t>& seeds) {
  auto& n = impl_->nodes.at(i);
  if (n.status == NodeStatus::running || n.status == NodeStatus::paused) crash(i);
  impl_->create(i);
  impl_->join(i, seeds);
}

void Cluster::pause(std::size_t i) {
  auto& n = impl_->started(i);
  if (n.status != NodeStatus::running) return;
  impl_->note(Op::pause, i);
  n.status = NodeStatus::paused;
  ++n.tick_gen;
  n.tick_at = membership::kNever;
}

void Cluster::resume(std::size_t i) {
  auto& n = impl_->started(i);
  if (n.status != NodeStatus::paused) return;
  impl_->note(Op::resume, i);
  n.status = NodeStatus::running;
  auto held = std::move(n.held);
  n.held.clear();
  for (auto& [from, bytes] : held) {
    if (n.status != NodeStatus::running) break;  // a leave may have ended meanwhile
    impl_->note(Op::deliver, from, i, hash_bytes(bytes));
    n.core->on_message(impl_->now, bytes);
    impl_->after_input(i);
  }
  if (n.status != NodeStatus::running) return;
  if (impl_->now >= n.core->next_deadline()) {
    impl_->tick(i);
  } else {
    impl_->schedule_tick(i, false);
  }
}

void Cluster::leave(std::size_t i) {
  auto& n = impl_->started(i);
  if (n.status != NodeStatus::running || n.leaving) return;
  impl_->note(Op::leave, i);
  n.leaving = true;
  n.leave_deadline = impl_->now + kLeaveDrainMax;
  Event ev;
  ev.at = n.leave_deadline;
  ev.kind = Kind::leave_check;
  ev.from = i;
  ev.to = i;
  ev.tag = n.lives;
  impl_->push(std::move(ev));
  n.core->leave(impl_->now);
  impl_->after_input(i);
}

void Cluster::advertise(std::size_t i, Service service) {
  core(i).advertise(impl_->now, std::move(service));
  flush(i);
}

bool Cluster::withdraw(std::size_t i, std::string_view id) {
  const bool changed = core(i).withdraw(impl_->now, id);
  flush(i);
  return changed;
}

bool Cluster::set_health(std::size_t i, std::string_view id, Health health) {
  const bool changed = core(i).set_health(impl_->now, id, health);
  flush(i);
  return changed;
}

void Cluster::flush(std::size_t i) {
  impl_->flush(i);
}

void Cluster::schedule(Duration after, std::function<void()> fn) {
  const auto id = impl_->next_callback++;
  impl_->callbacks.emplace(id, std::move(fn));
  Event ev;
  ev.at = impl_->now + std::max(after, Duration::zero());
  ev.kind = Kind::callback;
  ev.tag = id;
  impl_->push(std::move(ev));
}

Network& Cluster::network() {
  return impl_->network;
}

// --- time ---

TimePoint Cluster::now() const {
  return impl_->now;
}
Duration Cluster::elapsed() const {
  return impl_->now - kEpoch;
}

void Cluster::run_for(Duration d) {
  impl_->flush_all();
  impl_->advance_to(impl_->now + d);
}

std::optional<Duration> Cluster::run_until(const std::function<bool()>& pred, Duration limit) {
  impl_->flush_all();
  const TimePoint start = impl_->now;
  const TimePoint end = start + limit;
  for (std::int64_t k = 0;; ++k) {
    const TimePoint t = std::min(start + impl_->options.check_every * k, end);
    impl_->advance_to(t);
    if (pred()) return impl_->now - start;
    if (t >= end) return std::nullopt;
  }
}

// --- observations ---

bool Cluster::converged(std::size_t n) const {
  std::optional<std::uint64_t> digest;
  for (const auto& node : impl_->nodes) {
    if (node.status != NodeStatus::running) continue;
    const auto& members = node.core->members();
    if (members.live_count() != n || members.count(MemberState::alive) != n) return false;
    if (!digest) digest = node.core->digest();
    if (*digest != node.core->digest()) return false;
  }
  return true;
}

bool Cluster::all_see(std::size_t subject, MemberState state) const {
  const std::string& who = impl_->names.at(subject);
  for (std::size_t i = 0; i < impl_->nodes.size(); ++i) {
    const auto& node = impl_->nodes[i];
    if (i == subject || node.status != NodeStatus::running) continue;
    const auto* m = node.core->members().find(who);
    if (m == nullptr || m->state != state) return false;
  }
  return true;
}

std::size_t Cluster::count_seeing(std::size_t subject, MemberState state) const {
  const std::string& who = impl_->names.at(subject);
  std::size_t count = 0;
  for (std::size_t i = 0; i < impl_->nodes.size(); ++i) {
    const auto& node = impl_->nodes[i];
    if (i == subject || node.status != NodeStatus::running) continue;
    const auto* m = node.core->members().find(who);
    if (m != nullptr && m->state == state) ++count;
  }
  return count;
}

bool Cluster::all_have_service(const std::string& service) const {
  for (const auto& node : impl_->nodes) {
    if (node.status != NodeStatus::running) continue;
    if (node.core->registry().lookup(service).empty()) return false;
  }
  return true;
}

std::size_t Cluster::count_having_service(const std::string& service) const {
  std::size_t count = 0;
  for (const auto& node : impl_->nodes) {
    if (node.status != NodeStatus::running) continue;
    if (!node.core->registry().lookup(service).empty()) ++count;
  }
  return count;
}

bool Cluster::digests_equal() const {
  std::optional<std::uint64_t> digest;
  for (const auto& node : impl_->nodes) {
    if (node.status != NodeStatus::running) continue;
    if (!digest) digest = node.core->digest();
    if (*digest != node.core->digest()) return false;
  }
  return true;
}

std::optional<MemberState> Cluster::view(std::size_t observer, std::size_t subject) const {
  const auto& node = impl_->nodes.at(observer);
  if (!node.core) return std::nullopt;
  const auto* m = node.core->members().find(impl_->names.at(subject));
  if (m == nullptr) return std::nullopt;
  return m->state;
}

std::size_t Cluster::running_count() const {
  return static_cast<std::size_t>(
      std::count_if(impl_->nodes.begin(), impl_->nodes.end(),
                    [](const Impl::Node& n) { return n.status == NodeStatus::running; }));
}

std::uint64_t Cluster::generation(std::size_t i) const {
  return impl_->nodes.at(i).generation;
}

// --- instrumentation ---

void Cluster::set_tap(std::function<void(const Delivery&)> tap) {
  impl_->tap = std::move(tap);
}
void Cluster::set_event_tap(EventTap tap) {
  impl_->event_tap = std::move(tap);
}
const std::string& Cluster::trace() const {
  return impl_->trace;
}
std::uint64_t Cluster::trace_hash() const {
  return impl_->trace_hash;
}
std::uint64_t Cluster::messages_sent() const {
  return impl_->messages_sent;
}
std::uint64_t Cluster::bytes_sent() const {
  return impl_->bytes_sent;
}
std::uint64_t Cluster::steps() const {
  return impl_->steps;
}

std::uint64_t Cluster::events_emitted(MemberEventType type) const {
  return impl_->events_by_type.at(static_cast<std::size_t>(type));
}

membership::CoreStats Cluster::total_stats() const {
  membership::CoreStats sum;
  for (const auto& node : impl_->nodes)
    if (node.core) sum.add(node.core->stats());
  return sum;
}

// --- seeds ---

namespace {
std::optional<std::uint64_t> env_number(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  std::uint64_t n = 0;
  const std::string_view s(v);
  const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return std::nullopt;
  return n;
}
}  // namespace

std::vector<std::uint64_t> test_seeds(std::size_t count) {
  if (const auto one = env_number("HEARSAY_SIM_SEED")) return {*one};
  if (const auto most = env_number("HEARSAY_SIM_SEEDS")) {
    count = std::min<std::size_t>(count, std::max<std::uint64_t>(*most, 1));
  }
  std::vector<std::uint64_t> seeds;
  for (std::uint64_t s = 1; s <= count; ++s)
    seeds.push_back(s);
  return seeds;
}

std::string replay_hint(std::uint64_t seed) {
  return "reproduce with HEARSAY_SIM_SEED=" + std::to_string(seed) +
         " build/tests/hearsay_sim_tests";
}

std::string replay_hint(std::uint64_t seed, std::string_view test_name) {
  return replay_hint(seed) + " --gtest_filter=" + std::string(test_name);
}

}  // namespace hearsay::sim
