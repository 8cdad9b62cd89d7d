#include "tests/faults/scenarios.hpp"

#include <zmq.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "hearsay/protocol_params.hpp"
#include "membership/wire/codec.hpp"
#include "tests/faults/agents.hpp"
#include "tests/faults/analysis.hpp"
#include "tests/faults/firewall.hpp"
#include "tests/faults/recorder.hpp"

namespace hearsay::faults {

namespace {

using std::chrono::milliseconds;

milliseconds ms(Seconds s) {
  return std::chrono::duration_cast<milliseconds>(s);
}

double seconds_between(std::int64_t from_ms, std::int64_t to_ms) {
  return static_cast<double>(to_ms - from_ms) / 1000.0;
}

std::optional<double> seconds_since(std::int64_t from_ms, std::optional<std::int64_t> to_ms) {
  if (!to_ms) return std::nullopt;
  return seconds_between(from_ms, *to_ms);
}

ProtocolParams profile_params(const std::string& profile) {
  if (profile == "wan") return ProtocolParams::wan();
  if (profile == "local") return ProtocolParams::local();
  return ProtocolParams::lan();
}

nlohmann::json opt(const std::optional<double>& v) {
  return v ? nlohmann::json(std::round(*v * 1000.0) / 1000.0) : nlohmann::json(nullptr);
}

double round3(double v) {
  return std::round(v * 1000.0) / 1000.0;
}

// "12.3 s", or "never".
std::string secs(const std::optional<double>& v) {
  if (!v) return "never";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", *v);
  return buf;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Sums over agents of the counters a scenario reports.
struct Counters {
  double messages_out = 0, bytes_out = 0, suspicions_raised = 0, indirect_probes = 0;
  bool complete = true;  // every agent asked answered
};

// One scenario's world: its firewall, its agents, and the recorder watching
// them. Destroyed in reverse: the recorder stops, the agents are killed, the
// rules go.
struct Run {
  Run(const Bed& b, int nodes, std::vector<std::string> extra_args = {})
      : bed(b),
        cluster(AgentSetup{b.agent, b.profile, 3, std::move(extra_args)}, nodes),
        recorder(cluster) {}

  void say(const std::string& line) const {
    if (bed.log != nullptr) {
      char stamp[32];
      std::snprintf(stamp, sizeof stamp, "[%7.1fs] ", seconds_between(origin, now_ms()));
      *bed.log << stamp << line << std::endl;
    }
  }

  std::vector<std::string> names(const std::vector<int>& slots) const {
    std::vector<std::string> out;
    for (const int s : slots)
      out.push_back(Cluster::name_of(s));
    return out;
  }
  std::vector<int> all_slots() const {
    std::vector<int> out;
    for (int i = 0; i < cluster.size(); ++i)
      out.push_back(i);
    return out;
  }

  Counters counters(const std::vector<int>& slots) const {
    Counters c;
    for (const int s : slots) {
      const auto m = recorder.metrics(s);
      if (m.empty()) c.complete = false;
      c.messages_out += family_sum(m, "hearsay_messages_out_total");
      c.bytes_out += family_sum(m, "hearsay_bytes_out_total");
      c.suspicions_raised += family_sum(m, "hearsay_suspicions_raised_total");
      c.indirect_probes += family_sum(m, "hearsay_indirect_probes_total");
    }
    return c;
  }

  // Sleeps `span`, in steps (the recorder keeps recording meanwhile).
  static void hold(Seconds span) { std::this_thread::sleep_for(ms(span)); }

  const Bed& bed;
  std::int64_t origin = now_ms();
  Firewall firewall;
  Cluster cluster;
  Recorder recorder;
};

// Every agent in `who` lists every one of `members` alive (itself too).
std::function<bool(const Statuses&)> all_alive(const std::vector<std::string>& who,
                                               const std::vector<std::string>& members,
                                               bool equal_digests = false) {
  return [=](const Statuses& statuses) {
    std::string digest;
    for (const auto& w : who) {
      const auto it = statuses.find(w);
      if (it == statuses.end()) return false;
      for (const auto& m : members) {
        const auto st = it->second.members.find(m);
        if (st == it->second.members.end() || st->second != "alive") return false;
      }
      if (equal_digests) {
        if (!digest.empty() && digest != it->second.digest) return false;
        digest = it->second.digest;
      }
    }
    return true;
  };
}

// Every agent in `who` lists every one of `members` dead.
std::function<bool(const Statuses&)> all_dead(const std::vector<std::string>& who,
                                              const std::vector<std::string>& members) {
  return [=](const Statuses& statuses) {
    for (const auto& w : who) {
      const auto it = statuses.find(w);
      if (it == statuses.end()) return false;
      for (const auto& m : members) {
        const auto st = it->second.members.find(m);
        if (st == it->second.members.end() || st->second != "dead") return false;
      }
    }
    return true;
  };
}

// "n3: n5 suspect, n6 dead; digest 1a2b" for each agent of `who`.
std::string describe_views(const Statuses& statuses, const std::vector<std::string>& who) {
  std::string out;
  for (const auto& w : who) {
    const auto it = statuses.find(w);
    out += "  " + w + ": ";
    if (it == statuses.end() || !it->second.ok) {
      out += "no answer\n";
      continue;
    }
    int alive = 0;
    std::string odd;
    for (const auto& [m, state] : it->second.members) {
      if (state == "alive")
        ++alive;
      else
        odd += " " + m + "=" + state;
    }
    out += std::to_string(alive) + " alive" + odd + "; digest " + it->second.digest + "\n";
  }
  return out;
}

// Fills the parts of Common every scenario shares. `window` is the span the
// rates are over, with the counters at both ends.
void finish(Run& run, Common& c, const std::vector<Deserved>& deserved, std::int64_t window_from,
            std::int64_t window_to, const Counters& before, const Counters& after,
            int window_nodes) {
  const auto events = run.recorder.events();
  c.nodes = run.cluster.size();
  c.suspect_events = static_cast<int>(of_type(events, "suspect", window_from, window_to).size());
  c.suspicions_raised = static_cast<int>(after.suspicions_raised - before.suspicions_raised);
  c.indirect_probes = static_cast<int>(after.indirect_probes - before.indirect_probes);
  c.packets_dropped = run.firewall.dropped_total();
  const auto suspicions = undeserved(events, "suspect", deserved);
  c.false_suspicions = static_cast<int>(suspicions.size());
  for (const auto& e : suspicions)
    ++c.suspected[e.member];
  const auto deaths = undeserved(events, "dead", deserved);
  c.false_deaths = static_cast<int>(deaths.size());
  c.false_death_lines = describe(deaths, run.origin);
  if (!deaths.empty()) {
    std::vector<Event> story;
    for (const auto& e : events)
      if (e.member == deaths.front().member && e.type != "updated") story.push_back(e);
    c.first_false_death_story = describe(story, run.origin, 300);
  }
  c.window_s = seconds_between(window_from, window_to);
  if (c.window_s > 0 && window_nodes > 0) {
    c.msgs_per_node_s = (after.messages_out - before.messages_out) / c.window_s / window_nodes;
    c.bytes_per_node_s = (after.bytes_out - before.bytes_out) / c.window_s / window_nodes;
  }
  for (int i = 0; i < run.cluster.size(); ++i) {
    if (!run.cluster.running(i)) continue;
    const auto m = memory_of(run.cluster.pid(i));
    c.rss_kib_max = std::max(c.rss_kib_max, m.rss_kib);
    c.private_kib_max = std::max(c.private_kib_max, m.private_kib);
  }
  c.exits = run.cluster.unexpected_exits();
  for (int i = 0; i < run.cluster.size(); ++i) {
    if (!run.cluster.running(i)) continue;
    const auto metrics = run.recorder.metrics(i);
    c.raised_by[run.cluster.names()[static_cast<std::size_t>(i)]] =
        static_cast<int>(family_sum(metrics, "hearsay_suspicions_raised_total"));
    for (const auto& [sample, value] : metrics) {
      if (sample.substr(0, sample.find('{')).ends_with("_total")) c.totals[sample] += value;
    }
  }
  std::vector<Event> interesting;
  for (const auto& e : events)
    if (e.type != "join" && e.type != "updated") interesting.push_back(e);
  c.timeline = describe(interesting, run.origin, 60);
}

// Starts every agent and waits until everyone lists everyone alive; returns
// the join time from the agents' event stamps (nullopt if not within limit).
std::optional<double> start_and_join(Run& run, Seconds limit, std::int64_t& last_start) {
  run.cluster.start_all();
  last_start = now_ms();
  const auto names = run.cluster.names();
  run.say("started " + std::to_string(names.size()) + " agents");
  const auto polled = run.recorder.wait_for(all_alive(names, names), names, last_start, ms(limit));
  if (!polled) {
    run.say("no convergence within " + secs(limit.count()));
    return std::nullopt;
  }
  const auto t = everyone_sees_everyone(run.recorder.events(), names, names, last_start);
  const auto join = seconds_since(last_start, t ? t : polled);
  run.say("joined in " + secs(join));
  return join;
}

}  // namespace

double lifeguard_bound_s(int nodes, const std::string& profile) {
  const auto p = profile_params(profile);
  const double interval = std::chrono::duration<double>(p.probe_interval).count();
  const double scale = std::max(1.0, std::log10(std::max(1.0, static_cast<double>(nodes))));
  const double max_timeout = p.suspicion_max_timeout_mult * p.suspicion_mult * scale * interval;
  return nodes * interval + max_timeout + 2.0;
}

nlohmann::json Common::to_json() const {
  return {{"nodes", nodes},
          {"loss", loss},
          {"join_s", opt(join_s)},
          {"suspect_events", suspect_events},
          {"suspicions_raised", suspicions_raised},
          {"false_suspicions", false_suspicions},
          {"false_deaths", false_deaths},
          {"indirect_probes", indirect_probes},
          {"packets_dropped", packets_dropped},
          {"msgs_per_node_s", round3(msgs_per_node_s)},
          {"bytes_per_node_s", round3(bytes_per_node_s)},
          {"window_s", round3(window_s)},
          {"rss_kib_max", rss_kib_max},
          {"private_kib_max", private_kib_max},
          {"unexpected_exits", exits},
          {"totals", totals},
          {"suspected", suspected},
          {"raised_by", raised_by},
          {"false_death_lines", false_death_lines.substr(0, 4000)},
          {"first_false_death_story", first_false_death_story}};
}

// --- 1. loss ---

nlohmann::json LossResult::to_json() const {
  auto j = Common::to_json();
  j["min_alive_seen"] = min_alive_seen;
  return j;
}

LossResult run_loss(const Bed& bed, const LossParams& p) {
  Run run(bed, p.nodes);
  LossResult r;
  r.loss = p.loss;
  if (p.loss > 0) run.firewall.set("loss", {drop("", p.loss)});
  run.say("loss " + num(p.loss * 100) + " % on every packet among the agents");
  std::int64_t last_start = 0;
  r.join_s = start_and_join(run, p.join_limit, last_start);
  const auto slots = run.all_slots();
  const auto before = run.counters(slots);
  const auto from = now_ms();
  run.say("observing for " + secs(p.observe.count()));
  Run::hold(p.observe);
  const auto after = run.counters(slots);
  const auto to = now_ms();
  finish(run, r, {}, from, to, before, after, p.nodes);
  r.min_alive_seen = p.nodes;
  const auto statuses = run.recorder.statuses();
  for (const auto& name : run.cluster.names()) {
    int alive = 0;
    if (const auto it = statuses.find(name); it != statuses.end())
      for (const auto& [m, state] : it->second.members)
        alive += state == "alive";
    r.min_alive_seen = std::min(r.min_alive_seen, alive);
  }
  run.say("done: " + r.to_json().dump());
  return r;
}

// --- 2. two-way partition ---

nlohmann::json PartitionResult::to_json() const {
  auto j = Common::to_json();
  j["split_detected_s"] = opt(split_detected_s);
  j["held_s"] = round3(held_s);
  j["healed_s"] = opt(healed_s);
  j["healed_events_s"] = opt(healed_events_s);
  j["heal_relapses"] = heal_relapses;
  return j;
}

PartitionResult run_partition(const Bed& bed, const PartitionParams& p) {
  Run run(bed, p.nodes);
  PartitionResult r;
  std::int64_t last_start = 0;
  r.join_s = start_and_join(run, Seconds(60), last_start);
  std::vector<int> a, b;
  for (int i = 0; i < p.nodes; ++i)
    (i < p.nodes / 2 ? a : b).push_back(i);
  const auto names = run.cluster.names();
  const auto side_a = run.names(a), side_b = run.names(b);
  const auto slots = run.all_slots();
  const auto before = run.counters(slots);
  const auto split = now_ms();
  run.firewall.set("partition", partition(run.cluster.ips(a), run.cluster.ips(b)));
  run.say("partitioned into halves");
  const auto detected = run.recorder.wait_for(
      [&](const Statuses& s) { return all_dead(side_a, side_b)(s) && all_dead(side_b, side_a)(s); },
      names, split, ms(p.detect_limit));
  if (detected) {
    // The agents' own stamps: the last first-dead event across the cut.
    std::int64_t last = split;
    const auto events = run.recorder.events();
    for (const auto& [observers, members] : {std::pair{side_a, side_b}, std::pair{side_b, side_a}})
      for (const auto& o : observers)
        for (const auto& m : members)
          if (const auto t = first(events, o, m, "dead", split)) last = std::max(last, *t);
    r.split_detected_s = seconds_between(split, last);
    run.say("each side lists the other dead after " + secs(r.split_detected_s));
  } else {
    run.say("the sides did not list each other dead within the limit");
  }
  const auto held = seconds_between(split, now_ms());
  if (held < p.hold.count()) Run::hold(Seconds(p.hold.count() - held));
  const auto heal = now_ms();
  r.held_s = seconds_between(split, heal);
  run.firewall.clear("partition");
  run.say("healed");
  const auto healed =
      run.recorder.wait_for(all_alive(names, names, true), names, heal, ms(p.heal_limit));
  r.healed_s = seconds_since(heal, healed);
  r.healed_events_s =
      seconds_since(heal, everyone_sees_everyone(run.recorder.events(), names, names, heal));
  r.heal_state = describe_views(run.recorder.statuses(), names);
  const auto after = run.counters(slots);
  const auto end = now_ms();
  // Across the cut, suspicions and deaths are deserved until the heal is
  // complete. A death on a node's own side before the heal is false; one
  // after it (the other side's news of its death arriving, refuted since) is
  // a relapse, counted apart.
  std::vector<Deserved> deserved;
  const auto until = healed ? *healed : end;
  for (const auto& [members, observers] : {std::pair{side_a, side_b}, std::pair{side_b, side_a}})
    for (const auto& m : members)
      deserved.push_back(
          Deserved{m, std::set<std::string>(observers.begin(), observers.end()), split, until});
  const auto events = run.recorder.events();
  const auto strict = undeserved(events, "dead", deserved);
  for (const auto& m : names)
    deserved.push_back(Deserved{m, {}, heal, until});
  r.heal_relapses = static_cast<int>(strict.size() - undeserved(events, "dead", deserved).size());
  r.heal_relapse_lines = describe(undeserved(strict, "dead", {}, heal, until), run.origin);
  finish(run, r, deserved, split, end, before, after, p.nodes);
  run.say("done: " + r.to_json().dump());
  return r;
}

// --- 3. one-way partition, flapping link ---

nlohmann::json LinkResult::to_json() const {
  auto j = Common::to_json();
  j["settled_s"] = opt(settled_s);
  return j;
}

LinkResult run_link(const Bed& bed, const LinkParams& p) {
  Run run(bed, p.nodes);
  LinkResult r;
  std::int64_t last_start = 0;
  r.join_s = start_and_join(run, Seconds(60), last_start);
  const auto names = run.cluster.names();
  const auto slots = run.all_slots();
  const auto a = Cluster::ip_of(0), b = Cluster::ip_of(1);
  const auto before = run.counters(slots);
  const auto from = now_ms();
  const auto end_at = from + ms(p.duration).count();
  if (!p.flap) {
    run.firewall.set("link", one_way(a, b));
    run.say("one-way partition: " + a + " -> " + b + " dropped");
    Run::hold(p.duration);
  } else {
    run.say("flapping link " + a + " <-> " + b);
    while (now_ms() < end_at) {
      run.firewall.set("link", link(a, b));
      std::this_thread::sleep_for(
          std::min(ms(p.down), milliseconds(std::max<std::int64_t>(0, end_at - now_ms()))));
      run.firewall.clear("link");
      if (now_ms() >= end_at) break;
      std::this_thread::sleep_for(
          std::min(ms(p.up), milliseconds(std::max<std::int64_t>(0, end_at - now_ms()))));
    }
  }
  run.firewall.clear("link");
  const auto cleared = now_ms();
  run.say("link clear");
  const auto settled =
      run.recorder.wait_for(all_alive(names, names, true), names, cleared, ms(p.settle_limit));
  r.settled_s = seconds_since(cleared, settled);
  const auto after = run.counters(slots);
  finish(run, r, {}, from, cleared, before, after, p.nodes);
  run.say("done: " + r.to_json().dump());
  return r;
}

// --- 4. crash and stall ---

nlohmann::json CrashStallResult::to_json() const {
  auto j = Common::to_json();
  j["lifeguard_bound_s"] = round3(bound_s);
  j["crash_dead_s"] = opt(crash_dead_s);
  j["stall_dead_s"] = opt(stall_dead_s);
  j["crash_detect_s"] = crash_detect_s;
  j["stall_detect_s"] = stall_detect_s;
  j["resumed_s"] = opt(resumed_s);
  j["refutations"] = refutations;
  return j;
}

CrashStallResult run_crash_stall(const Bed& bed, const CrashStallParams& p) {
  Run run(bed, p.nodes);
  CrashStallResult r;
  r.bound_s = lifeguard_bound_s(p.nodes, bed.profile);
  std::int64_t last_start = 0;
  r.join_s = start_and_join(run, Seconds(60), last_start);
  std::vector<int> live;
  for (int i = 0; i < p.nodes; ++i)
    if (i != p.crash && i != p.stall) live.push_back(i);
  const auto live_names = run.names(live);
  std::vector<std::string> gone;
  if (p.crash) gone.push_back(Cluster::name_of(*p.crash));
  if (p.stall) gone.push_back(Cluster::name_of(*p.stall));
  const auto before = run.counters(live);
  const auto fault = now_ms();
  if (p.stall) {
    run.firewall.set("stall", isolate(Cluster::ip_of(*p.stall)));
    run.cluster.pause(*p.stall);
    run.say("stalled " + Cluster::name_of(*p.stall));
  }
  if (p.crash) {
    run.cluster.crash(*p.crash);
    run.say("crashed " + Cluster::name_of(*p.crash));
  }
  run.recorder.wait_for(all_dead(live_names, gone), live_names, fault, ms(p.detect_limit));
  const auto events = run.recorder.events();
  const auto detection = [&](int slot, std::vector<double>& each) -> std::optional<double> {
    std::optional<double> last = 0.0;
    for (const auto& o : live_names) {
      const auto t = first(events, o, Cluster::name_of(slot), "dead", fault);
      if (!t) {
        last.reset();
        continue;
      }
      each.push_back(seconds_between(fault, *t));
      if (last) last = std::max(*last, each.back());
    }
    return last;
  };
  if (p.crash) r.crash_dead_s = detection(*p.crash, r.crash_detect_s);
  if (p.stall) r.stall_dead_s = detection(*p.stall, r.stall_detect_s);
  run.say("dead everywhere: the crashed one after " + secs(r.crash_dead_s) +
          ", the stalled one after " + secs(r.stall_dead_s));
  Run::hold(p.hold);
  std::int64_t resumed_at = now_ms();
  std::vector<int> running = live;
  if (p.stall) {
    run.firewall.clear("stall");
    run.cluster.resume(*p.stall);
    resumed_at = now_ms();
    running.push_back(*p.stall);
    run.say("resumed " + Cluster::name_of(*p.stall));
    const auto running_names = run.names(running);
    const auto agreed = run.recorder.wait_for(
        [&](const Statuses& s) {
          return all_alive(running_names, running_names, true)(s) &&
                 (!p.crash || all_dead(running_names, {Cluster::name_of(*p.crash)})(s));
        },
        running_names, resumed_at, ms(p.resume_limit));
    r.resumed_s = seconds_since(resumed_at, agreed);
    r.resume_state = describe_views(run.recorder.statuses(), running_names);
    // The agent's metrics page is a snapshot the node republishes as it runs:
    // give it a moment to show the refutation the others already heard.
    for (int i = 0; i < 20; ++i) {
      r.refutations =
          static_cast<int>(family_sum(run.recorder.metrics(*p.stall), "hearsay_refutations_total"));
      if (r.refutations > 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  const auto after = run.counters(live);
  const auto end = now_ms();
  std::vector<Deserved> deserved;
  if (p.crash) deserved.push_back(Deserved{Cluster::name_of(*p.crash), {}, fault, kForever});
  if (p.stall) {
    const auto stall_name = Cluster::name_of(*p.stall);
    const auto until =
        r.resumed_s ? resumed_at + static_cast<std::int64_t>(*r.resumed_s * 1000) : end;
    deserved.push_back(Deserved{stall_name, {}, fault, until});
    // What the stalled agent thought of the others while cut off.
    for (const auto& n : run.cluster.names())
      deserved.push_back(Deserved{n, {stall_name}, fault, until});
  }
  finish(run, r, deserved, fault, end, before, after, static_cast<int>(live.size()));
  run.say("done: " + r.to_json().dump());
  return r;
}

// --- 5. restart churn ---

nlohmann::json ChurnResult::to_json() const {
  auto j = Common::to_json();
  j["settled_s"] = opt(settled_s);
  j["ghosts"] = ghosts;
  j["duplicates"] = duplicates;
  j["stale_services"] = stale_services;
  j["not_alive"] = not_alive;
  j["tombstones_left"] = tombstones_left;
  return j;
}

namespace {

std::vector<std::string> churn_service(int slot, int generation) {
  nlohmann::json s = {{"name", "churn"},
                      {"id", Cluster::name_of(slot)},
                      {"endpoint", "http://" + Cluster::ip_of(slot) + ":8080"},
                      {"tags", {"gen-" + std::to_string(generation)}}};
  return {"--service", s.dump()};
}

}  // namespace

ChurnResult run_churn(const Bed& bed, const ChurnParams& p) {
  const auto tombstone_ms = ms(p.tombstone).count();
  Run run(bed, p.nodes, {"--tombstone-timeout", std::to_string(tombstone_ms) + "ms"});
  ChurnResult r;
  r.loss = p.loss;
  if (p.loss > 0) run.firewall.set("loss", {drop("", p.loss)});
  const auto names = run.cluster.names();
  for (int i = 0; i < p.nodes; ++i)
    run.cluster.start(i, churn_service(i, 1));
  auto last_start = now_ms();
  run.say("started " + std::to_string(p.nodes) + " agents, loss " + num(p.loss * 100) + " %");
  if (const auto joined =
          run.recorder.wait_for(all_alive(names, names), names, last_start, ms(p.join_limit)))
    r.join_s = seconds_since(
        last_start, everyone_sees_everyone(run.recorder.events(), names, names, last_start));
  run.say("joined: " + secs(r.join_s));
  const auto slots = run.all_slots();
  const auto before = run.counters(slots);
  const auto from = now_ms();
  std::vector<Deserved> deserved;
  for (int i = 0; i < p.nodes; ++i) {
    const auto killed = now_ms();
    run.cluster.crash(i);
    Run::hold(p.down);
    run.cluster.start(i, churn_service(i, 2));
    run.recorder.restarted(i);
    last_start = now_ms();
    // Its death is deserved until everyone has seen the new generation alive
    // (bounded below by the settle wait).
    deserved.push_back(Deserved{Cluster::name_of(i), {}, killed, kForever});
    run.say("restarted " + Cluster::name_of(i));
    Run::hold(p.gap);
  }
  // Exactly the current cluster, everyone alive, each with one current instance.
  const auto exact = [&](const Statuses& statuses) {
    for (const auto& w : names) {
      const auto it = statuses.find(w);
      if (it == statuses.end() || it->second.members.size() != names.size()) return false;
      for (const auto& m : names) {
        const auto st = it->second.members.find(m);
        if (st == it->second.members.end() || st->second != "alive") return false;
        if (!it->second.instances.count(m + "/" + m)) return false;
      }
      if (it->second.instances.size() != names.size()) return false;
    }
    return true;
  };
  const auto settled = run.recorder.wait_for(exact, names, last_start, ms(p.settle_limit));
  r.settled_s = seconds_since(last_start, settled);
  run.say("settled: " + secs(r.settled_s));
  // Deaths of the restarted deserve no excuse once the cluster settled.
  const auto settled_at = settled ? *settled : now_ms();
  for (auto& d : deserved)
    d.to_ms = settled_at;
  const auto after = run.counters(slots);
  const auto to = now_ms();
  // The end state, from every agent's member list and service instances.
  std::set<std::string> known(names.begin(), names.end());
  for (int i = 0; i < p.nodes; ++i) {
    const auto members = run.recorder.get(i, "/v1/members");
    const auto instances = run.recorder.get(i, "/v1/services/churn?all=1");
    if (!members || !instances) {
      r.end_state += "  " + names[static_cast<std::size_t>(i)] + ": no answer\n";
      ++r.not_alive;
      continue;
    }
    std::map<std::string, int> seen;
    for (const auto& m : nlohmann::json::parse(*members, nullptr, false)) {
      const auto name = m.value("name", std::string());
      ++seen[name];
      if (!known.count(name)) ++r.ghosts;
      if (m.value("state", std::string()) != "alive") ++r.not_alive;
    }
    for (const auto& [name, count] : seen)
      if (count > 1) r.duplicates += count - 1;
    for (const auto& n : names)
      if (!seen.count(n)) ++r.not_alive;
    std::map<std::string, int> current;
    for (const auto& inst : nlohmann::json::parse(*instances, nullptr, false)) {
      const auto tags = inst.value("tags", nlohmann::json::array());
      const bool now = std::find(tags.begin(), tags.end(), "gen-2") != tags.end();
      if (now)
        ++current[inst.value("member", std::string())];
      else
        ++r.stale_services;
    }
    for (const auto& n : names)
      if (current[n] != 1) ++r.stale_services;
  }
  // After the tombstone timeout nothing dead or left may remain anywhere.
  run.say("waiting out the tombstone timeout");
  Run::hold(Seconds(p.tombstone.count() * 1.2 + 5));
  for (const auto& [name, status] : run.recorder.statuses())
    for (const auto& [m, state] : status.members)
      if (state == "dead" || state == "left") ++r.tombstones_left;
  r.end_state += describe_views(run.recorder.statuses(), names);
  finish(run, r, deserved, from, to, before, after, p.nodes);
  run.say("done: " + r.to_json().dump());
  return r;
}

// --- 6. flood ---

nlohmann::json FloodResult::to_json() const {
  auto j = Common::to_json();
  j["rate"] = rate;
  j["duration_s"] = round3(duration_s);
  j["sent"] = sent;
  j["refused"] = refused;
  j["received"] = received;
  j["victim_send_dropped"] = victim_send_dropped;
  j["victim_probes"] = victim_probes;
  j["victim_dead_events"] = victim_dead_events;
  j["rss_before_kib"] = rss_before_kib;
  j["rss_mid_kib"] = rss_mid_kib;
  j["rss_peak_kib"] = rss_peak_kib;
  j["rss_end_kib"] = rss_end_kib;
  return j;
}

FloodResult run_flood(const Bed& bed, const FloodParams& p) {
  Run run(bed, p.nodes);
  FloodResult r;
  r.rate = p.rate;
  r.duration_s = p.duration.count();
  std::int64_t last_start = 0;
  r.join_s = start_and_join(run, Seconds(60), last_start);
  const int victim = 1;
  const auto victim_name = Cluster::name_of(victim);
  const auto flooder_ip = Cluster::ip_of(p.nodes);
  const auto names = run.cluster.names();
  const auto slots = run.all_slots();

  // A well-formed ping from a peer nobody knows, addressed to the victim.
  membership::wire::Header header;
  header.cluster_id = "default";
  header.type = membership::wire::MessageType::ping;
  header.sender = "flooder";
  header.sender_endpoint = "tcp://" + flooder_ip + ":7946";
  header.sender_incarnation = {1, 0};
  zmq::context_t context;
  zmq::socket_t push(context, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 0);
  push.set(zmq::sockopt::sndhwm, 10'000);
  push.connect("tcp://" + flooder_ip + ":0;" + Cluster::ip_of(victim) + ":7946");

  const auto victim_before = run.recorder.metrics(victim);
  const auto before = run.counters(slots);
  r.rss_before_kib = memory_of(run.cluster.pid(victim)).rss_kib;
  const auto from = now_ms();
  run.say("flooding " + victim_name + " with " + std::to_string(p.rate) + " pings/s");
  const auto total = static_cast<std::uint64_t>(p.rate * p.duration.count());
  const auto start = std::chrono::steady_clock::now();
  std::uint32_t seq = 0;
  auto next_sample = start;
  bool mid_taken = false;
  for (std::uint64_t done = 0; done < total;) {
    const auto now = std::chrono::steady_clock::now();
    const auto due =
        static_cast<std::uint64_t>(std::chrono::duration<double>(now - start).count() * p.rate);
    for (; done < std::min(due, total); ++done) {
      header.seq = ++seq;
      const auto bytes = membership::wire::encode(header, membership::wire::Ping{victim_name}, {});
      if (push.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait))
        ++r.sent;
      else
        ++r.refused;
    }
    if (now >= next_sample) {
      const auto rss = memory_of(run.cluster.pid(victim)).rss_kib;
      r.rss_peak_kib = std::max(r.rss_peak_kib, rss);
      if (!mid_taken && now - start >= ms(p.duration) / 2) {
        r.rss_mid_kib = rss;
        mid_taken = true;
      }
      next_sample = now + milliseconds(500);
    }
    std::this_thread::sleep_for(milliseconds(2));
  }
  const auto to = now_ms();
  r.rss_end_kib = memory_of(run.cluster.pid(victim)).rss_kib;
  r.rss_peak_kib = std::max(r.rss_peak_kib, r.rss_end_kib);
  const auto victim_after = run.recorder.metrics(victim);
  const auto after = run.counters(slots);
  const auto delta = [&](const std::string& family) {
    return family_sum(victim_after, family) - family_sum(victim_before, family);
  };
  r.received = delta("hearsay_transport_received_total");
  r.victim_send_dropped = delta("hearsay_send_dropped_total");
  r.victim_probes = delta("hearsay_probes_total");
  run.say("flood over; " + std::to_string(r.sent) + " sent, " + std::to_string(r.refused) +
          " refused");
  // Everyone still lists the victim alive a little later.
  run.recorder.wait_for(all_alive(names, names), names, to, milliseconds(10'000));
  const auto events = run.recorder.events();
  r.victim_dead_events =
      static_cast<int>(std::count_if(events.begin(), events.end(), [&](const Event& e) {
        return e.member == victim_name && e.type == "dead";
      }));
  finish(run, r, {}, from, to, before, after, p.nodes);
  run.say("done: " + r.to_json().dump());
  return r;
}

}  // namespace hearsay::faults
