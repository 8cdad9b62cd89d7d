// What happened, as it happened: the launcher's own actions and the changes
// the observer sees between polls ("node-05 dead (as seen by 15/16)"). In
// non-interactive mode each event is printed at once as a timestamped line;
// the live view shows the latest ones.
#pragma once

#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "demo/cluster/observer.hpp"

namespace hearsay::tools {

class Timeline {
 public:
  Timeline(Clock::time_point start, bool print, std::FILE* out);
  void add(const std::string& text);
  // The latest `n` events, oldest first, each with its time since start.
  std::vector<std::string> latest(std::size_t n) const;
  // "[ 12.3s]" for `t`.
  std::string stamp(Clock::time_point t) const;

 private:
  Clock::time_point start_;
  bool print_;
  std::FILE* out_;
  mutable std::mutex mu_;
  std::deque<std::string> lines_;
};

// Turns successive snapshots into events: when the first node sees a member
// or an instance change state, and when every node that answers agrees on
// its new state.
class ViewTracker {
 public:
  // `announce` false: learn the current state silently (during start-up,
  // when everything is new and nothing is news).
  void update(const Snapshot& snap, Timeline& log, bool announce);

 private:
  struct Subject {
    std::set<std::string> states;  // states some node saw it in last time
    std::string agreed;            // the last state everybody agreed on
  };
  std::map<std::string, Subject> members_, instances_;
};

}  // namespace hearsay::tools
