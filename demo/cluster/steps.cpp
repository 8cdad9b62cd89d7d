#include "demo/cluster/steps.hpp"

#include <algorithm>
#include <csignal>
#include <thread>

#include <httplib.h>

#include "demo/common/duration.hpp"
#include "demo/common/errors.hpp"

namespace hearsay::tools {

using std::chrono::milliseconds;

namespace {

// Time the cluster keeps running after each agreement before the next
// action: traffic goes on, so what happens right after agreement is counted.
constexpr milliseconds kSettle{2000};

std::string seconds_text(Clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fs", std::chrono::duration<double>(d).count());
  return buf;
}

// An echo answers /health (it has started listening), within 5 s.
bool wait_listening(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(milliseconds(200));
  c.set_read_timeout(milliseconds(500));
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    if (auto r = c.Get("/health"); r && r->status == 200) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

// "node-01, node-02, gateway", or "node-01..node-08 + gateway" when long.
std::string names_text(const std::vector<std::string>& names) {
  std::string s;
  if (names.size() > 4) {
    const bool gw = names.back() == "gateway";
    const auto last = gw ? names[names.size() - 2] : names.back();
    return names.front() + ".." + last + (gw ? " + gateway" : "");
  }
  for (const auto& n : names)
    s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

std::optional<milliseconds> Phase::agreed_in() const {
  if (!agreed) return std::nullopt;
  return std::chrono::duration_cast<milliseconds>(*agreed - action);
}

void Progress::set(std::string label) {
  std::lock_guard lock(mu_);
  label_ = std::move(label);
  since_ = Clock::now();
}

std::pair<std::string, Clock::time_point> Progress::get() const {
  std::lock_guard lock(mu_);
  return {label_, since_};
}

StepRunner::StepRunner(Cluster& cluster, Observer& observer, Timeline& log,
                       const ClusterOptions& opts, const std::atomic<bool>& interrupted,
                       Progress& progress)
    : cluster_(cluster),
      observer_(observer),
      log_(log),
      opts_(opts),
      interrupted_(interrupted),
      progress_(progress) {
  plan();
}

void StepRunner::plan() {
  auto& nodes = cluster_.nodes();
  const auto seeds = cluster_.seeds();
  const auto is_seed = [&](const std::string& name) {
    return std::find(seeds.begin(), seeds.end(), cluster_.node(name).endpoint()) != seeds.end();
  };
  // Agents fronting an instance, non-seeds first (a seed stays to rejoin through).
  std::vector<std::string> fronting;
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& e : cluster_.echoes())
      if (is_seed(e.agent) == (pass == 1) &&
          std::find(fronting.begin(), fronting.end(), e.agent) == fronting.end())
        fronting.push_back(e.agent);
  std::size_t next = 0;
  const auto take = [&] { return next < fronting.size() ? fronting[next++] : std::string(); };
  const auto wants = [&](const char* s) {
    return std::find(opts_.steps.begin(), opts_.steps.end(), s) != opts_.steps.end();
  };
  if (wants("crash") || wants("restart")) crash_target_ = take();
  if (wants("leave")) leave_target_ = take();
  if (wants("health")) {
    const auto agent = take();
    for (const auto& e : cluster_.echoes())
      if (!agent.empty() && e.agent == agent) {
        health_echo_ = e.id;
        break;
      }
  }
  if ((wants("crash") || wants("restart")) && crash_target_.empty())
    throw UsageError("--services: the crash and restart steps need an agent fronting an instance");
  if (wants("leave") && leave_target_.empty())
    throw UsageError("--services: " + std::to_string(opts_.services) +
                     " instances are too few for the leave step (it needs its own)");
  if (wants("health") && health_echo_.empty())
    throw UsageError("--services: " + std::to_string(opts_.services) +
                     " instances are too few for the health step (it needs its own)");
  const std::set<std::string> used{crash_target_, leave_target_,
                                   health_echo_.empty() ? "" : cluster_.echo(health_echo_).agent};
  // Advertise on an agent without an instance; pause one nobody else uses,
  // preferring agents without instances and non-seeds.
  std::vector<std::string> candidates;
  for (int pass = 0; pass < 4; ++pass)
    for (const auto& n : nodes) {
      if (n.gateway || used.count(n.name)) continue;
      const bool bare = cluster_.echoes_of(n.name).empty();
      const bool seed = is_seed(n.name);
      const int rank = (bare ? 0 : 2) + (seed ? 1 : 0);
      if (rank == pass) candidates.push_back(n.name);
    }
  if (wants("advertise")) {
    for (const auto& c : candidates)
      if (cluster_.echoes_of(c).empty()) {
        advertise_target_ = c;
        break;
      }
    if (advertise_target_.empty()) advertise_target_ = candidates.empty() ? "" : candidates[0];
  }
  for (const auto& c : candidates)
    if (c != advertise_target_) {
      pause_target_ = c;
      break;
    }
  // With few agents, the node that got the new instance can be paused too.
  if (pause_target_.empty()) pause_target_ = advertise_target_;
  if (wants("pause") && pause_target_.empty())
    throw UsageError("--nodes: too few agents for the pause step");
}

nlohmann::json StepRunner::plan_json() const {
  return {{"advertise_on", advertise_target_},
          {"crash", crash_target_},
          {"pause", pause_target_},
          {"leave", leave_target_},
          {"health_of", health_echo_}};
}

std::vector<std::string> StepRunner::live() const {
  std::vector<std::string> names;
  for (const auto& n : cluster_.nodes())
    if (n.live()) names.push_back(n.name);
  return names;
}

void StepRunner::check_interrupted() const {
  if (interrupted_) throw Interrupted();
}

long StepRunner::gateway_retries() const {
  const auto s = cluster_.gateway_stats();
  const auto it = s.find("retries");
  return it != s.end() && it->is_number_integer() ? it->get<long>() : 0;
}

Phase StepRunner::begin(const std::string& step, const std::string& target) {
  check_interrupted();
  Phase p;
  p.step = step;
  p.target = target;
  p.bound = opts_.step_timeout;
  progress_.set(step + ": " + target);
  p.retries = gateway_retries();  // the count at the start; made a difference in finish()
  return p;
}

void StepRunner::finish(Phase& p, std::vector<Phase>& out) {
  if (p.agreed) {
    log_.add(p.step + ": " + p.target + " — agreed in " + seconds_text(*p.agreed - p.action) +
             (p.note.empty() ? "" : " (" + p.note + ")"));
    const long at_agreement = gateway_retries();
    settle(kSettle);
    const long at_end = gateway_retries();
    p.retries_after_agreement = at_end - at_agreement;
    p.retries = at_end - p.retries;
  } else {
    log_.add(p.step + ": " + p.target + " — FAILED: " + p.error);
    p.retries = gateway_retries() - p.retries;
  }
  p.end = Clock::now();
  out.push_back(p);
}

bool StepRunner::wait_agreement(Phase& p, const Condition& cond, const Invariant& inv,
                                Clock::time_point since) {
  if (since == Clock::time_point{}) since = p.action;
  const auto deadline = p.action + p.bound;
  std::string why;
  for (;;) {
    check_interrupted();
    if (auto problem = cluster_.unexpected_exit(); !problem.empty()) {
      p.error = problem;
      return false;
    }
    const auto snap = observer_.snapshot();
    tracker_.update(snap, log_, announce_);
    if (inv) {
      if (auto broken = inv(snap, since); !broken.empty()) {
        p.error = broken;
        return false;
      }
    }
    const auto v = cond(snap, p.action);
    if (v.holds) {
      p.agreed = v.at;
      return true;
    }
    why = v.why;
    if (Clock::now() >= deadline) {
      p.error = "no agreement within " + format_duration(p.bound) + ": " + why;
      return false;
    }
    observer_.wait_update(std::min(deadline, Clock::now() + milliseconds(200)));
  }
}

bool StepRunner::act(Phase& p, const std::function<void()>& action) {
  p.action = Clock::now();
  try {
    action();
  } catch (const std::exception& ex) {
    p.error = ex.what();
    return false;
  }
  return true;
}

void StepRunner::settle(milliseconds d) {
  const auto until = Clock::now() + d;
  while (Clock::now() < until) {
    check_interrupted();
    tracker_.update(observer_.snapshot(), log_, announce_);
    observer_.wait_update(std::min(until, Clock::now() + milliseconds(200)));
  }
}

Phase StepRunner::converge() {
  Phase p = begin("start", std::to_string(cluster_.nodes().size()) + " nodes agree");
  p.action = Clock::now();
  log_.add("starting " + std::to_string(opts_.nodes) + " agents, " +
           std::to_string(opts_.services) + " instances of web and the gateway (profile " +
           opts_.profile + ", logs in " + cluster_.work_dir().string() + ")");
  cluster_.start_all();
  const auto all = live();
  std::vector<std::string> keys;
  for (const auto& e : cluster_.echoes())
    keys.push_back(e.key());
  wait_agreement(
      p, every_node(all, all_of({sees_all_alive(all), sees_all_passing(keys)}), Digests::equal));
  if (p.agreed)
    log_.add("cluster converged in " + seconds_text(*p.agreed - p.action) + " (" +
             std::to_string(all.size()) + " nodes alive everywhere, digests equal, " +
             std::to_string(keys.size()) + " instances passing)");
  else
    log_.add("the cluster did not converge: " + p.error);
  p.end = Clock::now();
  announce_ = true;
  return p;
}

void StepRunner::run(std::vector<Phase>& out) {
  for (const auto& step : opts_.steps) {
    const auto before = out.size();
    if (step == "advertise") step_advertise(out);
    if (step == "crash") step_crash(out);
    if (step == "pause") step_pause(out);
    if (step == "leave") step_leave(out);
    if (step == "health") step_health(out);
    if (step == "partition") step_partition(out);
    if (step == "restart") step_restart(out);
    for (auto i = before; i < out.size(); ++i)
      if (!out[i].agreed) return;
  }
}

void StepRunner::step_advertise(std::vector<Phase>& out) {
  auto& e = cluster_.add_echo(advertise_target_);
  Phase p = begin("advertise", e.id + " on " + e.agent + " passing everywhere");
  cluster_.start_echo(e);
  if (!wait_listening(e.port)) {
    p.action = Clock::now();
    p.error = e.id + " did not start listening on port " + std::to_string(e.port);
    return finish(p, out);
  }
  log_.add("advertise: PUT /v1/local/services " + e.id + " on " + e.agent);
  if (!act(p, [&] { cluster_.advertise(e); })) return finish(p, out);
  wait_agreement(p, every_node(live(), sees_instance(e.key(), "passing")));
  finish(p, out);
}

void StepRunner::crash(Phase& p, const std::string& name) {
  auto& n = cluster_.node(name);
  p.excluded_members = {n.name};
  std::string what = n.name;
  for (const auto& id : cluster_.echoes_of(n.name)) {
    p.excluded_instances.insert(id);
    what += " and " + id;
  }
  log_.add(p.step + ": SIGKILL " + what + " (a machine dying)");
  p.action = Clock::now();
  cluster_.signal(n, SIGKILL, RunState::killed);
  for (const auto& id : cluster_.echoes_of(n.name)) {
    auto& e = cluster_.echo(id);
    if (e.state == RunState::running) cluster_.signal(e, SIGKILL, RunState::killed);
  }
  crashed_ = n.name;
  wait_agreement(p, every_node(live(), sees_member(n.name, "dead")));
}

void StepRunner::step_crash(std::vector<Phase>& out) {
  Phase p = begin("crash", crash_target_ + " dead");
  crash(p, crash_target_);
  crash_phase_ = out.size();
  finish(p, out);
}

void StepRunner::step_pause(std::vector<Phase>& out) {
  auto& n = cluster_.node(pause_target_);
  Phase p = begin("pause", n.name + " alive again, digests equal");
  log_.add("pause: SIGSTOP " + n.name + " for " + seconds_text(opts_.pause));
  const auto stopped = Clock::now();
  cluster_.signal(n, SIGSTOP, RunState::paused);
  std::set<std::string> suspected_by;
  // Nobody may declare it dead: the pause is shorter than the suspicion timeout.
  const Invariant never_dead = [&](const Snapshot& s, Clock::time_point since) -> std::string {
    for (const auto& [who, st] : s) {
      if (!st.ok || st.sent < since || who == n.name) continue;
      const auto state = st.member_state(n.name);
      if (state == "suspect") suspected_by.insert(who);
      if (state == "dead" || state == "left")
        return who + " declared " + n.name + " " + state + " during a " +
               format_duration(opts_.pause) + " pause";
    }
    return "";
  };
  // While stopped: watch for a false positive; the phase's clock starts at SIGCONT.
  p.action = stopped + opts_.pause;
  p.bound = opts_.step_timeout;
  {
    Phase watch = p;
    watch.action = stopped;
    watch.bound = opts_.pause;
    const Condition never = [](const Snapshot&, Clock::time_point) { return Verdict{}; };
    wait_agreement(watch, never, never_dead, stopped);
    if (!watch.error.starts_with("no agreement within")) {  // the watch ended early
      cluster_.signal(n, SIGCONT, RunState::running);
      p.action = Clock::now();
      p.error = watch.error;
      return finish(p, out);
    }
  }
  log_.add("pause: SIGCONT " + n.name);
  p.action = Clock::now();
  cluster_.signal(n, SIGCONT, RunState::running);
  const auto who = live();
  wait_agreement(p, every_node(who, sees_all_alive(who), Digests::equal), never_dead, stopped);
  p.note = "stopped " + seconds_text(opts_.pause) + ", suspected by " +
           std::to_string(suspected_by.size()) + ", declared dead by none";
  if (!p.agreed) p.note.clear();
  finish(p, out);
}

void StepRunner::step_leave(std::vector<Phase>& out) {
  auto& n = cluster_.node(leave_target_);
  Phase p = begin("leave", n.name + " left");
  p.excluded_members = {n.name};
  for (const auto& id : cluster_.echoes_of(n.name))
    p.excluded_instances.insert(id);
  log_.add("leave: SIGTERM " + n.name + " (graceful leave)");
  p.action = Clock::now();
  cluster_.signal(n, SIGTERM, RunState::left);
  wait_agreement(p, every_node(live(), sees_member(n.name, "left")));
  if (p.agreed) {
    for (const auto& id : cluster_.echoes_of(n.name)) {
      auto& e = cluster_.echo(id);
      if (e.state == RunState::running) cluster_.signal(e, SIGTERM, RunState::left);
    }
    p.note = "its instance stopped after agreement";
  }
  finish(p, out);
}

void StepRunner::step_health(std::vector<Phase>& out) {
  auto& e = cluster_.echo(health_echo_);
  const auto key = e.key();
  Phase fail = begin("health", e.id + " critical");
  fail.excluded_instances = {e.id};
  log_.add("health: POST /admin/fail on " + e.id + " (its /health answers 503)");
  if (!act(fail, [&] { cluster_.echo_admin(e, "fail"); })) return finish(fail, out);
  wait_agreement(fail, every_node(live(), sees_instance(key, "critical")));
  const auto fail_index = out.size();
  finish(fail, out);
  if (!out[fail_index].agreed) {
    cluster_.echo_admin(e, "recover");
    return;
  }
  Phase recover = begin("health", e.id + " passing again");
  log_.add("health: POST /admin/recover on " + e.id);
  const bool recovered = act(recover, [&] { cluster_.echo_admin(e, "recover"); });
  out[fail_index].excluded_until = recover.action;
  if (!recovered) return finish(recover, out);
  wait_agreement(recover, every_node(live(), sees_instance(key, "passing")));
  finish(recover, out);
}

void StepRunner::step_partition(std::vector<Phase>& out) {
  std::vector<std::string> agents;
  for (const auto& n : cluster_.nodes())
    if (n.live() && !n.gateway) agents.push_back(n.name);
  const auto half = agents.size() / 2;
  if (half == 0) {
    Phase p = begin("partition", "split");
    p.action = Clock::now();
    p.error = "needs at least 2 live agents";
    return finish(p, out);
  }
  std::vector<std::string> side_a(agents.begin(), agents.begin() + static_cast<long>(half));
  std::vector<std::string> side_b(agents.begin() + static_cast<long>(half), agents.end());
  side_a.push_back(cluster_.gateway().name);
  const auto endpoints = [&](const std::vector<std::string>& names) {
    std::vector<std::string> eps;
    for (const auto& name : names)
      eps.push_back(cluster_.node(name).endpoint());
    return eps;
  };
  const auto ea = endpoints(side_a), eb = endpoints(side_b);
  const auto who = live();

  Phase split =
      begin("partition", std::to_string(side_a.size()) + " | " + std::to_string(side_b.size()) +
                             " split, each side sees the other dead");
  for (const auto& m : side_b) {
    split.excluded_members.insert(m);
    for (const auto& id : cluster_.echoes_of(m))
      split.excluded_instances.insert(id);
  }
  log_.add("partition: blocking traffic between " + names_text(side_a) + " and " +
           names_text(side_b));
  const bool blocked = act(split, [&] {
    for (const auto& m : side_a)
      cluster_.partition(cluster_.node(m), eb);
    for (const auto& m : side_b)
      cluster_.partition(cluster_.node(m), ea);
  });
  if (blocked) wait_agreement(split, every_node(who, sees_other_side_dead(side_a, side_b)));
  const auto split_index = out.size();
  finish(split, out);

  Phase heal = begin("partition", "healed, all alive, digests equal");
  log_.add("partition: healing (empty block lists)");
  const bool healed = act(heal, [&] {
    for (const auto& m : who)
      cluster_.partition(cluster_.node(m), {});
  });
  out[split_index].excluded_until = heal.action;
  if (!healed) return finish(heal, out);
  if (!out[split_index].agreed) return;  // healed, but the step already failed
  wait_agreement(heal, every_node(who, sees_all_alive(who), Digests::equal));
  finish(heal, out);
}

void StepRunner::step_restart(std::vector<Phase>& out) {
  if (crashed_.empty()) {
    // No crash step ran: take the node down first (not measured).
    Phase pre = begin("restart", "(first) " + crash_target_ + " dead");
    crash(pre, crash_target_);
    if (!pre.agreed) return finish(pre, out);
  }
  auto& n = cluster_.node(crashed_);
  Phase p = begin("restart", n.name + " back, alive everywhere, digests equal");
  std::vector<std::string> keys;
  for (const auto& id : cluster_.echoes_of(n.name)) {
    auto& e = cluster_.echo(id);
    if (e.state == RunState::killed) {
      cluster_.start_echo(e);
      wait_listening(e.port);
    }
    keys.push_back(e.key());
  }
  log_.add("restart: starting " + n.name + " again (same name and ports)");
  const bool started = act(p, [&] { cluster_.start_agent(n); });
  if (crash_phase_) out[*crash_phase_].excluded_until = p.action;
  if (!started) return finish(p, out);
  const auto who = live();
  wait_agreement(
      p, every_node(who, all_of({sees_all_alive(who), sees_all_passing(keys)}), Digests::equal));
  finish(p, out);
}

}  // namespace hearsay::tools
