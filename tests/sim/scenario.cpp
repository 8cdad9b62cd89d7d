// Scenario runner: parses steps, drives a Cluster through them and measures
// how long the cluster took to agree on each (see scenario.hpp).
#include "tests/sim/scenario.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "membership/core_stats.hpp"
#include "tests/sim/cluster.hpp"

namespace hearsay::sim {

namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

std::optional<std::size_t> parse_index(std::string_view s) {
  std::size_t v = 0;
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc{} || p != end) return std::nullopt;
  return v;
}

std::optional<double> parse_probability(std::string_view s) {
  double v = 0;
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc{} || p != end || !(v >= 0.0 && v <= 1.0)) return std::nullopt;
  return v;
}

// "0-9,20-29,40" -> {0..9, 20..29, 40}
std::optional<std::vector<std::size_t>> parse_node_list(std::string_view s) {
  std::vector<std::size_t> nodes;
  for (const auto item : split(s, ',')) {
    const auto dash = item.find('-');
    const auto lo = parse_index(item.substr(0, dash));
    const auto hi = dash == std::string_view::npos ? lo : parse_index(item.substr(dash + 1));
    if (!lo || !hi || *hi < *lo || *hi - *lo >= kMaxScenarioNodes) return std::nullopt;
    for (std::size_t i = *lo; i <= *hi; ++i)
      nodes.push_back(i);
  }
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  return nodes;
}

struct KindName {
  StepKind kind;
  std::string_view name;
};
constexpr KindName kKinds[] = {{StepKind::join, "join"},
                               {StepKind::advertise, "advertise"},
                               {StepKind::withdraw, "withdraw"},
                               {StepKind::crash, "crash"},
                               {StepKind::pause, "pause"},
                               {StepKind::resume, "resume"},
                               {StepKind::partition, "partition"},
                               {StepKind::heal, "heal"},
                               {StepKind::restart, "restart"},
                               {StepKind::leave, "leave"},
                               {StepKind::loss, "loss"}};

bool takes_node(StepKind k) {
  return k == StepKind::advertise || k == StepKind::withdraw || k == StepKind::crash ||
         k == StepKind::pause || k == StepKind::resume || k == StepKind::restart ||
         k == StepKind::leave;
}

double seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

std::string_view to_string(StepKind kind) noexcept {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "?";
}

std::optional<Duration> parse_duration(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    double to_us;
  };
  // Longest suffixes first: "ms" before "s".
  constexpr Unit kUnits[] = {{"us", 1.0}, {"ms", 1e3}, {"s", 1e6}, {"m", 60e6}, {"h", 3600e6}};
  for (const auto& u : kUnits) {
    if (text.size() <= u.suffix.size() || !text.ends_with(u.suffix)) continue;
    const auto number = text.substr(0, text.size() - u.suffix.size());
    if (number.find_first_not_of("0123456789.") != std::string_view::npos) return std::nullopt;
    double v = 0;
    const auto* end = number.data() + number.size();
    const auto [p, ec] = std::from_chars(number.data(), end, v);
    if (ec != std::errc{} || p != end || !(v >= 0.0) || v * u.to_us > 1e15) return std::nullopt;
    return duration_cast<Duration>(microseconds(std::llround(v * u.to_us)));
  }
  return std::nullopt;
}

std::string format_duration(Duration d) {
  const auto us = duration_cast<microseconds>(d).count();
  if (us % 1000 != 0) return std::to_string(us) + "us";
  const auto ms = us / 1000;
  if (ms % 1000 != 0 && ms < 1000) return std::to_string(ms) + "ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  std::string s = std::to_string(ms / 1000) + "." + std::to_string(1000 + ms % 1000).substr(1);
  while (s.back() == '0')
    s.pop_back();
  return s + "s";
}

StepParse parse_step(std::string_view text) {
  StepParse out;
  const auto fail = [&](const std::string& what) {
    out.error = "step '" + std::string(text) + "': " + what;
    return out;
  };
  const auto parts = split(text, ':');
  if (parts.size() < 2) return fail("expected AT:KIND[:ARGS], e.g. 5s:crash:7");

  Step step;
  step.text = std::string(text);
  auto at = parts[0];
  if (at.starts_with('+')) {
    step.relative = true;
    at.remove_prefix(1);
  }
  const auto when = parse_duration(at);
  if (!when)
    return fail("bad time '" + std::string(parts[0]) + "' (expected e.g. 5s, 1500ms, +2s)");
  step.at = *when;

  const auto kind = parts[1];
  const auto* found = std::find_if(std::begin(kKinds), std::end(kKinds),
                                   [&](const KindName& k) { return k.name == kind; });
  if (found == std::end(kKinds) || found->kind == StepKind::join)
    return fail("unknown kind '" + std::string(kind) +
                "' (expected advertise, withdraw, crash, pause, resume, partition, heal, "
                "restart, leave or loss)");
  step.kind = found->kind;
  const std::vector<std::string_view> args(parts.begin() + 2, parts.end());
  const std::string name(kind);

  if (takes_node(step.kind)) {
    const bool with_service = step.kind == StepKind::advertise || step.kind == StepKind::withdraw;
    const std::size_t want = with_service ? 2 : 1;
    if (args.size() != want)
      return fail(name + (with_service ? " takes NODE:SERVICE" : " takes NODE") + ", e.g. " +
                  (with_service ? "5s:" + name + ":3:web" : "5s:" + name + ":7"));
    const auto node = parse_index(args[0]);
    if (!node) return fail("bad node index '" + std::string(args[0]) + "'");
    step.node = *node;
    if (with_service) {
      if (args[1].empty()) return fail("empty service name");
      step.service = std::string(args[1]);
    }
  } else if (step.kind == StepKind::partition) {
    if (args.size() > 1)
      return fail("partition takes at most one node list, e.g. 20s:partition:0-49");
    if (args.size() == 1) {
      auto side = parse_node_list(args[0]);
      if (!side)
        return fail("bad node list '" + std::string(args[0]) +
                    "' (expected e.g. 0-49 or 0-9,20-29)");
      step.side_a = std::move(*side);
    }
  } else if (step.kind == StepKind::heal) {
    if (!args.empty()) return fail("heal takes no arguments");
  } else if (step.kind == StepKind::loss) {
    if (args.size() != 1) return fail("loss takes one probability, e.g. 30s:loss:0.05");
    const auto p = parse_probability(args[0]);
    if (!p) return fail("loss '" + std::string(args[0]) + "' must be between 0 and 1");
    step.loss = *p;
  }
  out.step = std::move(step);
  return out;
}

std::optional<ProtocolParams> profile_params(std::string_view profile) {
  if (profile == "lan") return ProtocolParams::lan();
  if (profile == "wan") return ProtocolParams::wan();
  if (profile == "local") return ProtocolParams::local();
  return std::nullopt;
}

std::optional<LinkModel> profile_link(std::string_view profile) {
  LinkModel m;
  if (profile == "lan") {
    m.latency = microseconds(1000);
    m.jitter = microseconds(500);
  } else if (profile == "wan") {
    m.latency = milliseconds(40);
    m.jitter = milliseconds(10);
  } else if (profile == "local") {
    m.latency = microseconds(100);
    m.jitter = microseconds(50);
  } else {
    return std::nullopt;
  }
  return m;
}

std::optional<SpecError> validate(const ScenarioSpec& spec) {
  const auto error = [](std::string field, std::string reason) {
    return std::optional<SpecError>(SpecError{std::move(field), std::move(reason)});
  };
  if (spec.nodes < 1 || spec.nodes > kMaxScenarioNodes)
    return error("nodes", "must be between 1 and " + std::to_string(kMaxScenarioNodes));
  const auto link = profile_link(spec.profile);
  if (!link) return error("profile", "must be lan, wan or local (got '" + spec.profile + "')");
  if (!(spec.loss >= 0.0 && spec.loss <= 1.0)) return error("loss", "must be between 0 and 1");
  if (spec.latency && spec.latency->count() < 0) return error("latency-ms", "must not be negative");
  const auto latency = spec.latency.value_or(link->latency);
  const auto jitter = spec.jitter.value_or(std::min(link->jitter, latency));
  if (jitter.count() < 0) return error("jitter-ms", "must not be negative");
  if (jitter > latency)
    return error("jitter-ms", "must not exceed the latency (" + format_duration(latency) + ")");
  if (spec.duration.count() < 0) return error("duration", "must not be negative");
  if (spec.check_every.count() <= 0) return error("check-every", "must be positive");

  const auto last = spec.nodes - 1;
  for (const auto& s : spec.steps) {
    const auto bad = [&](const std::string& what) {
      return error("step", "step '" + s.text + "': " + what);
    };
    if (takes_node(s.kind) && s.node > last)
      return bad("node " + std::to_string(s.node) + " is out of range (0.." + std::to_string(last) +
                 ")");
    if (s.kind == StepKind::partition) {
      if (spec.nodes < 2) return bad("a partition needs at least 2 nodes");
      for (const auto n : s.side_a)
        if (n > last)
          return bad("node " + std::to_string(n) + " is out of range (0.." + std::to_string(last) +
                     ")");
      if (!s.side_a.empty() && s.side_a.size() == spec.nodes)
        return bad("side A holds every node; nothing is cut off");
    }
    if (s.kind == StepKind::loss && !(s.loss >= 0.0 && s.loss <= 1.0))
      return bad("loss must be between 0 and 1");
    if (!s.relative && spec.duration.count() > 0 && s.at > spec.duration)
      return bad("at " + format_duration(s.at) + " is after the end of the run (duration " +
                 format_duration(spec.duration) + ")");
  }
  return std::nullopt;
}

double Report::virtual_seconds() const {
  return seconds(virtual_elapsed);
}

namespace {
double per_node_per_s(std::uint64_t total, std::size_t nodes, Duration over) {
  const double s = seconds(over);
  if (nodes == 0 || s <= 0) return 0;
  return static_cast<double>(total) / static_cast<double>(nodes) / s;
}
}  // namespace

double Report::messages_per_node_per_s() const {
  return per_node_per_s(messages, spec.nodes, virtual_elapsed);
}
double Report::bytes_per_node_per_s() const {
  return per_node_per_s(bytes, spec.nodes, virtual_elapsed);
}
double Report::messages_per_node_per_s_after_join() const {
  return per_node_per_s(messages_after_join, spec.nodes, virtual_elapsed - join_done);
}
double Report::bytes_per_node_per_s_after_join() const {
  return per_node_per_s(bytes_after_join, spec.nodes, virtual_elapsed - join_done);
}

namespace {

// One open measurement: what the cluster should come to agree on after a step.
//
// Per-node agreement is event-driven: a node's condition can only change when
// its core reports a member event (join, suspect, alive, dead, left, updated),
// so the cluster's event tap re-evaluates that node, at the exact virtual time.
// Steps re-evaluate every node (they change who is checked and what is
// expected). Only the whole-cluster digest check of join/resume/heal/restart
// is also polled every check_every, since digests can settle without an event.
struct Tracker {
  std::size_t result = 0;  // index into Report::steps
  StepKind kind = StepKind::join;
  std::size_t subject = kNone;  // the node the step is about
  std::string subject_name;
  std::string service;
  TimePoint started{};
  std::vector<std::optional<Duration>> first;  // per node: first agreement
  std::vector<char> agrees;                    // per node: agrees now
  std::size_t agreeing = 0;                    // checked nodes that agree now
  std::size_t checked = 0;                     // nodes the condition applies to
  bool closed = false;
};

class Runner {
 public:
  Runner(const ScenarioSpec& spec, const ScenarioHooks& hooks)
      : spec_(spec), hooks_(hooks), cluster_(options_of(spec)), live_(spec.nodes, true) {
    report_.spec = spec;
    const auto link = *profile_link(spec.profile);
    report_.spec.latency = spec.latency.value_or(link.latency);
    report_.spec.jitter = spec.jitter.value_or(std::min(link.jitter, *report_.spec.latency));
    side_.assign(spec.nodes, 0);
    recount();
    cluster_.set_event_tap(
        [this](TimePoint at, std::size_t node, const MemberEvent& e) { on_event(at, node, e); });
  }

  Report run() {
    const auto wall_start = std::chrono::steady_clock::now();
    const auto start = start_ = cluster_.now();
    const auto end = start + spec_.duration;
    const bool settle = spec_.duration.count() == 0;

    cluster_.start_all({0});
    open(StepKind::join, kNone, {}, "join");
    refresh_all();
    // The join, bounded by the run's length (or the settle limit).
    advance_while_open(settle ? start + spec_.settle_limit : end);
    report_.join_done = cluster_.now() - start;
    const auto messages_at_join = cluster_.messages_sent();
    const auto bytes_at_join = cluster_.bytes_sent();

    auto previous = cluster_.now();
    for (const auto& step : spec_.steps) {
      auto due = step.relative ? previous + step.at : start + step.at;
      if (!settle && due > end) {  // only relative steps get here: validate() checked the rest
        not_run(step, due - start, "due after the end of the run");
        continue;
      }
      if (!settle && cluster_.now() >= end) {  // the join took the whole run
        not_run(step, cluster_.now() - start, "the join did not converge before the end");
        continue;
      }
      advance_to(std::max(due, cluster_.now()));
      if (const auto why = cannot_run(step)) {
        not_run(step, cluster_.now() - start, *why);
        continue;
      }
      supersede(step);
      execute(step);
      previous = cluster_.now();
    }
    if (settle)
      advance_while_open(TimePoint::max());
    else
      advance_to(end);
    for (auto& t : open_)
      if (!t.closed) close(t, false, "run ended before agreement");
    open_.clear();

    report_.virtual_elapsed = cluster_.now() - start;
    report_.messages = cluster_.messages_sent();
    report_.bytes = cluster_.bytes_sent();
    report_.messages_after_join = report_.messages - messages_at_join;
    report_.bytes_after_join = report_.bytes - bytes_at_join;
    for (std::size_t i = 0; i < spec_.nodes; ++i)
      add_stats(cluster_.core(i).stats());
    report_.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    return std::move(report_);
  }

 private:
  static ClusterOptions options_of(const ScenarioSpec& spec) {
    ClusterOptions o;
    o.nodes = spec.nodes;
    o.params = *profile_params(spec.profile);
    const auto link = *profile_link(spec.profile);
    o.link.latency = spec.latency.value_or(link.latency);
    o.link.jitter = spec.jitter.value_or(std::min(link.jitter, o.link.latency));
    o.link.loss = spec.loss;
    o.seed = spec.seed;
    o.check_every = spec.check_every;
    return o;
  }

  void add_stats(const membership::CoreStats& s) { report_.totals.add(s); }

  // --- expectations ---

  // How many live members node i should see: the expected-live nodes on its
  // side of the partition (or all of them).
  std::size_t expected_view(std::size_t i) const { return side_live_[side_[i]]; }

  void recount() {
    side_live_[0] = side_live_[1] = 0;
    for (std::size_t i = 0; i < spec_.nodes; ++i)
      if (live_[i]) ++side_live_[side_[i]];
  }

  // --- per-node conditions ---

  bool lists_service(std::size_t i, const std::string& member, const std::string& service) {
    Query q;
    q.worst_health = Health::critical;
    q.include_suspect = true;
    for (const auto& inst : cluster_.core(i).registry().lookup(service, q))
      if (inst.member == member) return true;
    return false;
  }

  bool holds(std::size_t i, const std::string& member, MemberState state) {
    const auto* m = cluster_.core(i).members().find(member);
    return m != nullptr && m->state == state;
  }

  bool condition(const Tracker& t, std::size_t i) {
    switch (t.kind) {
      case StepKind::advertise:
        return lists_service(i, t.subject_name, t.service);
      case StepKind::withdraw:
        return !lists_service(i, t.subject_name, t.service);
      case StepKind::crash:
      case StepKind::pause:
        return holds(i, t.subject_name, MemberState::dead);
      case StepKind::leave:
        return holds(i, t.subject_name, MemberState::left);
      case StepKind::loss:
        return true;
      case StepKind::join:
      case StepKind::resume:
      case StepKind::heal:
      case StepKind::restart:
      case StepKind::partition: {
        const auto& table = cluster_.core(i).members();
        return table.count(MemberState::suspect) == 0 && table.live_count() == expected_view(i);
      }
    }
    return false;
  }

  // Running nodes expected to stay (not leaving); for a step about one node's
  // record (advertise, crash, ...), the others.
  bool applies(const Tracker& t, std::size_t i) const {
    return (i != t.subject || whole_view(t.kind)) && live_[i] && cluster_.running(i);
  }

  // --- measurements ---

  void open(StepKind kind, std::size_t subject, std::string service, std::string text) {
    StepResult r;
    r.step = std::move(text);
    r.kind = kind;
    r.at = cluster_.now() - start_;
    if (kind == StepKind::loss) {
      r.measured = false;
      report_.steps.push_back(std::move(r));
      if (hooks_.on_result) hooks_.on_result(report_.steps.back());
      return;
    }
    report_.steps.push_back(std::move(r));
    Tracker t;
    t.result = report_.steps.size() - 1;
    t.kind = kind;
    t.subject = subject;
    if (subject != kNone && !whole_view(kind)) t.subject_name = cluster_.name(subject);
    t.service = std::move(service);
    t.started = cluster_.now();
    t.first.assign(spec_.nodes, std::nullopt);
    t.agrees.assign(spec_.nodes, 0);
    open_.push_back(std::move(t));
  }

  // Re-evaluates node i for a tracker at virtual time `at`.
  void evaluate(Tracker& t, std::size_t i, TimePoint at) {
    const bool now_agrees = condition(t, i);
    if (now_agrees && !t.first[i]) t.first[i] = at - t.started;
    if (now_agrees == static_cast<bool>(t.agrees[i])) return;
    t.agrees[i] = now_agrees ? 1 : 0;
    if (now_agrees) {
      ++t.agreeing;
    } else {
      --t.agreeing;
    }
  }

  // Re-evaluates every node of a tracker (who is checked may have changed).
  void refresh(Tracker& t, TimePoint at) {
    t.checked = t.agreeing = 0;
    for (std::size_t i = 0; i < spec_.nodes; ++i) {
      t.agrees[i] = 0;
      if (!applies(t, i)) continue;
      ++t.checked;
      evaluate(t, i, at);
    }
    check_agreed(t, at);
  }

  void refresh_all() {
    const auto now = cluster_.now();
    for (auto& t : open_)
      if (!t.closed) refresh(t, now);
    std::erase_if(open_, [](const Tracker& t) { return t.closed; });
  }

  // A node's view changed: re-evaluate it for the trackers that can care.
  void on_event(TimePoint at, std::size_t node, const MemberEvent& e) {
    for (auto& t : open_) {
      if (t.closed || !applies(t, node)) continue;
      if (!t.subject_name.empty() && e.name != t.subject_name) continue;
      if (t.kind == StepKind::pause && e.type == MemberEventType::dead)
        report_.steps[t.result].declared_dead = true;
      const auto before = t.agreeing;
      evaluate(t, node, at);
      if (t.agreeing == t.checked && before != t.agreeing) check_agreed(t, at);
    }
  }

  // Closes the tracker as agreed if every checked node agrees now (and, for a
  // whole-cluster view, all digests are equal).
  void check_agreed(Tracker& t, TimePoint at) {
    if (t.closed || t.agreeing != t.checked) return;
    if (whole_view(t.kind) && !partitioned_ && !cluster_.converged(side_live_[0])) return;
    if (t.kind == StepKind::join && tracking_known_) note_everyone_known(at);
    report_.steps[t.result].agreed_after = at - t.started;
    close(t, true, {});
  }

  // At every check: pause statistics, the digest check of trackers whose
  // nodes all agree, and the settle limit.
  void sample() {
    const auto now = cluster_.now();
    if (tracking_known_) note_everyone_known(now);
    for (auto& t : open_) {
      if (t.closed) continue;
      if (t.kind == StepKind::pause) {
        auto& r = report_.steps[t.result];
        r.max_suspecting =
            std::max(r.max_suspecting, cluster_.count_seeing(t.subject, MemberState::suspect));
      }
      check_agreed(t, now);
      if (!t.closed && spec_.duration.count() == 0 && now - t.started >= spec_.settle_limit)
        close(t, false, "no agreement within " + format_duration(spec_.settle_limit));
    }
    std::erase_if(open_, [](const Tracker& t) { return t.closed; });
  }

  void note_everyone_known(TimePoint now) {
    for (std::size_t i = 0; i < spec_.nodes; ++i) {
      if (!cluster_.running(i)) {
        tracking_known_ = false;  // a step stopped a node first: not measured
        return;
      }
      if (cluster_.core(i).members().live_count() != spec_.nodes) return;
    }
    report_.everyone_known = now - start_;
    tracking_known_ = false;
  }

  static bool whole_view(StepKind k) {
    return k == StepKind::join || k == StepKind::resume || k == StepKind::heal ||
           k == StepKind::restart;
  }

  // Fills the result from the per-node times and marks the tracker closed.
  void close(Tracker& t, bool agreed, const std::string& note) {
    t.closed = true;
    auto& r = report_.steps[t.result];
    r.agreed = agreed;
    if (!agreed) r.agreed_after.reset();
    if (!agreed && r.note.empty()) r.note = note;
    std::vector<std::optional<Duration>> times;
    for (std::size_t i = 0; i < spec_.nodes; ++i)
      if (applies(t, i)) times.push_back(t.first[i]);
    r.nodes_checked = times.size();
    r.nodes_agreed = static_cast<std::size_t>(
        std::count_if(times.begin(), times.end(), [](const auto& d) { return d.has_value(); }));
    // Never-agreed nodes sort last (as infinitely late).
    std::sort(times.begin(), times.end(), [](const auto& a, const auto& b) {
      if (!a || !b) return a.has_value() && !b.has_value();
      return *a < *b;
    });
    const auto rank = [&](double q) -> std::optional<Duration> {
      if (times.empty()) return std::nullopt;
      // Nearest rank: the smallest time at or above fraction q of the nodes.
      auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(times.size())));
      k = std::clamp<std::size_t>(k, 1, times.size());
      return times[k - 1];
    };
    r.p50 = rank(0.50);
    r.p99 = rank(0.99);
    r.max = rank(1.0);
    if (hooks_.on_result) hooks_.on_result(r);
  }

  // Ends measurements the step makes moot (or, for pause, completes).
  void supersede(const Step& s) {
    const bool changes_view = s.kind == StepKind::crash || s.kind == StepKind::leave ||
                              s.kind == StepKind::restart || s.kind == StepKind::partition ||
                              s.kind == StepKind::heal || s.kind == StepKind::resume;
    const bool about_node = takes_node(s.kind);
    for (auto& t : open_) {
      if (t.closed) continue;
      bool moot = false;
      switch (t.kind) {
        case StepKind::join:
        case StepKind::resume:
        case StepKind::heal:
        case StepKind::restart:
        case StepKind::partition:
          moot = changes_view;
          break;
        case StepKind::advertise:
        case StepKind::withdraw:
          moot = about_node && s.node == t.subject &&
                 (s.kind == StepKind::crash || s.kind == StepKind::leave ||
                  s.kind == StepKind::restart ||
                  ((s.kind == StepKind::advertise || s.kind == StepKind::withdraw) &&
                   s.service == t.service));
          break;
        case StepKind::crash:
        case StepKind::leave:
          moot = s.kind == StepKind::restart && s.node == t.subject;
          break;
        case StepKind::pause:
          moot = about_node && s.node == t.subject &&
                 (s.kind == StepKind::resume || s.kind == StepKind::crash ||
                  s.kind == StepKind::restart || s.kind == StepKind::leave);
          break;
        case StepKind::loss:
          break;
      }
      if (!moot) continue;
      if (t.kind == StepKind::pause) {
        close(t, false,
              report_.steps[t.result].declared_dead ? "declared dead by some nodes only"
                                                    : "not declared dead");
      } else {
        close(t, false, "ended by '" + s.text + "' before agreement");
      }
    }
    std::erase_if(open_, [](const Tracker& t) { return t.closed; });
  }

  // --- time ---

  // Runs to `target`, sampling open measurements at every check.
  void advance_to(TimePoint target) {
    while (cluster_.now() < target) {
      if (open_.empty()) {
        cluster_.run_for(target - cluster_.now());
        break;
      }
      cluster_.run_until(
          [&] {
            sample();
            return open_.empty();
          },
          target - cluster_.now());
    }
    if (!open_.empty()) sample();
  }

  // Runs until no measurement is open (or `limit`).
  void advance_while_open(TimePoint limit) {
    while (!open_.empty() && cluster_.now() < limit) {
      const auto budget = std::min<Duration>(limit - cluster_.now(), std::chrono::seconds(3600));
      cluster_.run_until(
          [&] {
            sample();
            return open_.empty();
          },
          budget);
    }
    if (!open_.empty() && cluster_.now() >= limit && limit != TimePoint::max()) {
      for (auto& t : open_)
        if (!t.closed) close(t, false, "no agreement within " + format_duration(limit - start_));
      open_.clear();
    }
  }

  std::vector<std::size_t> seeds_for(std::size_t joining) const {
    for (std::size_t i = 0; i < spec_.nodes; ++i)
      if (i != joining && live_[i] && cluster_.running(i)) return {i};
    return {};
  }

  // --- steps ---

  static std::string_view to_string(NodeStatus s) {
    switch (s) {
      case NodeStatus::running:
        return "running";
      case NodeStatus::paused:
        return "paused";
      case NodeStatus::crashed:
        return "crashed";
      case NodeStatus::stopped:
        return "stopped";
    }
    return "?";
  }

  // Why a step cannot run on its node's current status (a scenario may crash a
  // node and later advertise on it); nullopt when it can.
  std::optional<std::string> cannot_run(const Step& s) const {
    if (!takes_node(s.kind)) return std::nullopt;
    const auto status = cluster_.status(s.node);
    bool ok = false;
    switch (s.kind) {
      case StepKind::crash:
        ok = status == NodeStatus::running || status == NodeStatus::paused;
        break;
      case StepKind::resume:
        ok = status == NodeStatus::paused;
        break;
      case StepKind::restart:
        ok = status == NodeStatus::crashed || status == NodeStatus::stopped;
        break;
      default:
        ok = status == NodeStatus::running && live_[s.node];
        break;
    }
    if (ok) return std::nullopt;
    return cluster_.name(s.node) + " is " +
           (status == NodeStatus::running && !live_[s.node] ? "leaving"
                                                            : std::string(to_string(status)));
  }

  void not_run(const Step& s, Duration at, const std::string& why) {
    StepResult r;
    r.step = s.text;
    r.kind = s.kind;
    r.at = at;
    r.measured = false;
    r.note = "not run: " + why;
    report_.steps.push_back(std::move(r));
    if (hooks_.on_result) hooks_.on_result(report_.steps.back());
  }

  void execute(const Step& s) {
    switch (s.kind) {
      case StepKind::advertise: {
        Service svc;
        svc.name = s.service;
        svc.id = s.service + "-" + std::to_string(s.node);
        svc.endpoint = "http://" + cluster_.name(s.node) + ":80";
        cluster_.advertise(s.node, std::move(svc));
        break;
      }
      case StepKind::withdraw:
        cluster_.withdraw(s.node, s.service + "-" + std::to_string(s.node));
        break;
      case StepKind::crash:
        cluster_.crash(s.node);
        live_[s.node] = false;
        break;
      case StepKind::pause:
        cluster_.pause(s.node);
        break;
      case StepKind::resume:
        cluster_.resume(s.node);
        break;
      case StepKind::partition: {
        auto side_a = s.side_a;
        if (side_a.empty())
          for (std::size_t i = 0; i < spec_.nodes / 2; ++i)
            side_a.push_back(i);
        std::vector<std::size_t> side_b;
        side_.assign(spec_.nodes, 1);
        for (const auto i : side_a)
          side_[i] = 0;
        for (std::size_t i = 0; i < spec_.nodes; ++i)
          if (side_[i] == 1) side_b.push_back(i);
        cluster_.network().heal();
        cluster_.network().partition(side_a, side_b);
        partitioned_ = true;
        break;
      }
      case StepKind::heal:
        cluster_.network().heal();
        side_.assign(spec_.nodes, 0);
        partitioned_ = false;
        break;
      case StepKind::restart:
        add_stats(cluster_.core(s.node).stats());  // the old core's counts
        cluster_.restart(s.node, seeds_for(s.node));
        live_[s.node] = true;
        break;
      case StepKind::leave:
        cluster_.leave(s.node);
        live_[s.node] = false;
        break;
      case StepKind::loss: {
        auto m = cluster_.network().default_model();
        m.loss = s.loss;
        cluster_.network().set_default(m);
        break;
      }
      case StepKind::join:
        break;
    }
    recount();
    open(s.kind, takes_node(s.kind) ? s.node : kNone, s.service, s.text);
    refresh_all();
  }

  const ScenarioSpec& spec_;
  const ScenarioHooks& hooks_;
  Cluster cluster_;
  Report report_;
  std::vector<Tracker> open_;
  std::vector<bool> live_;          // expected live: not crashed, not left
  std::vector<std::uint8_t> side_;  // partition side per node (0 when whole)
  std::size_t side_live_[2] = {0, 0};
  bool partitioned_ = false;
  TimePoint start_{};
  bool tracking_known_ = true;  // Report::everyone_known not yet seen
};

}  // namespace

Report run_scenario(const ScenarioSpec& spec, const ScenarioHooks& hooks) {
  if (const auto e = validate(spec)) throw std::invalid_argument(e->field + ": " + e->reason);
  Runner runner(spec, hooks);
  return runner.run();
}

}  // namespace hearsay::sim
