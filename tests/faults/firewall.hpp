// The fault bed's packet filter: iptables rules in the bed's own network
// namespace, on the INPUT chain of lo only, so each packet between two agents
// is judged once (on its way in). Traffic from or to 127.0.0.1 (the agents'
// control APIs and the bed's observation of them) is accepted first; every
// fault then lives in a chain of its own ("group"), jumped to from INPUT, so
// a fault is applied and healed atomically (iptables-restore --noflush) and
// independently of the others: loss can stay while a partition heals.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tests/support/scratch_dir.hpp"

namespace hearsay::faults {

// One iptables rule body without the chain: "-s 127.0.0.2 -d 127.0.0.3 -j DROP".
using Rule = std::string;

// Rules that drop, with `probability` (0..1], packets matching `match`
// ("" for every packet of the group, or e.g. "-s A -d B").
Rule drop(const std::string& match, double probability = 1.0);
// Every packet between the two sets, both ways (a two-way partition).
std::vector<Rule> partition(const std::vector<std::string>& side_a,
                            const std::vector<std::string>& side_b);
// Packets from `from` to `to` only: `from`'s packets never reach `to`, `to`'s
// reach `from` (TCP acks of `from` included: its connections to `to` cannot
// even open).
std::vector<Rule> one_way(const std::string& from, const std::string& to);
// Every packet of the link between a and b, both ways, with `probability`.
std::vector<Rule> link(const std::string& a, const std::string& b, double probability = 1.0);
// Every packet to or from `ip` (a stalled host: no RST, no answer).
std::vector<Rule> isolate(const std::string& ip);

class Firewall {
 public:
  // Installs the base rules (127.0.0.1 accepted). Throws std::runtime_error
  // if iptables-restore fails.
  Firewall();
  ~Firewall();  // removes every rule it installed (the namespace goes anyway)
  Firewall(const Firewall&) = delete;
  Firewall& operator=(const Firewall&) = delete;

  // Replaces the rules of `group` (a short name: letters, digits, '-').
  // Throws std::runtime_error naming the failure.
  void set(const std::string& group, const std::vector<Rule>& rules);
  void clear(const std::string& group) { set(group, {}); }
  void clear_all();

  // Packets dropped by `group`'s rules since it was first set, across
  // replacements (iptables' counters, carried over when the chain is refilled).
  unsigned long long dropped(const std::string& group);
  // The same, summed over every group.
  unsigned long long dropped_total();
  // What `iptables -S` shows, for failure messages.
  std::string describe();

 private:
  void restore(const std::string& text);
  std::string run(const std::vector<std::string>& argv);

  test_support::ScratchDir dir_{"firewall"};
  std::string iptables_, restore_;
  std::map<std::string, unsigned long long> groups_;     // chains made so far -> drops carried
  unsigned long long counted(const std::string& group);  // the chain's counters now
  int files_ = 0;
};

}  // namespace hearsay::faults
