#include "demo/cluster/timeline.hpp"

namespace hearsay::tools {

Timeline::Timeline(Clock::time_point start, bool print, std::FILE* out)
    : start_(start), print_(print), out_(out) {}

std::string Timeline::stamp(Clock::time_point t) const {
  const double s = std::chrono::duration<double>(t - start_).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "[%6.1fs]", s);
  return buf;
}

void Timeline::add(const std::string& text) {
  const std::string line = stamp(Clock::now()) + " " + text;
  std::lock_guard lock(mu_);
  lines_.push_back(line);
  if (lines_.size() > 200) lines_.pop_front();
  if (print_) {
    std::fprintf(out_, "%s\n", line.c_str());
    std::fflush(out_);
  }
}

std::vector<std::string> Timeline::latest(std::size_t n) const {
  std::lock_guard lock(mu_);
  const auto from = lines_.size() > n ? lines_.size() - n : 0;
  return {lines_.begin() + static_cast<std::ptrdiff_t>(from), lines_.end()};
}

namespace {

// For one subject: how many answering nodes see it in each state, and how
// many answering nodes there are (the subject itself does not vote on itself).
struct Tally {
  std::map<std::string, int> by_state;
  std::map<std::string, std::string> first_seer;
  int voters = 0;
};

}  // namespace

void ViewTracker::update(const Snapshot& snap, Timeline& log, bool announce) {
  std::map<std::string, Tally> members, instances;
  int voters = 0;
  for (const auto& [observer, st] : snap) {
    if (!st.ok) continue;
    ++voters;
    for (const auto& [name, state] : st.members) {
      if (name == observer) continue;
      auto& t = members[name];
      if (t.by_state[state]++ == 0) t.first_seer[state] = observer;
    }
    for (const auto& [key, inst] : st.instances) {
      auto& t = instances[key];
      if (t.by_state[inst.health]++ == 0) t.first_seer[inst.health] = observer;
    }
  }
  const auto apply = [&](std::map<std::string, Tally>& tallies,
                         std::map<std::string, Subject>& subjects, bool is_member) {
    for (auto& [name, t] : tallies) {
      t.voters = voters;
      if (is_member && snap.count(name) && snap.at(name).ok)
        --t.voters;  // it does not vote on itself
      auto& subj = subjects[name];
      const bool known = !subj.agreed.empty() || !subj.states.empty();
      std::set<std::string> now;
      for (const auto& [state, count] : t.by_state) {
        now.insert(state);
        const std::string label =
            is_member ? name
                      : name.substr(name.find('/') + 1) + " on " + name.substr(0, name.find('/'));
        if (announce && known && !subj.states.count(state) && count < t.voters)
          log.add(label + " " + state + " (first seen by " + t.first_seer[state] + ")");
        if (count >= t.voters && t.voters > 0 && subj.agreed != state) {
          if (announce)
            log.add(label + " " + state + " (as seen by " + std::to_string(count) + "/" +
                    std::to_string(t.voters) + ")");
          subj.agreed = state;
        }
      }
      subj.states = std::move(now);
    }
  };
  apply(members, members_, true);
  apply(instances, instances_, false);
}

}  // namespace hearsay::tools
