#include "tests/faults/firewall.hpp"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/faults/netns.hpp"
#include "tests/support/child_process.hpp"

namespace hearsay::faults {

namespace {

constexpr std::chrono::milliseconds kCommandLimit{15'000};

std::string chain(const std::string& group) {
  return "HSF-" + group;
}

std::string probability_match(double p) {
  if (p >= 1.0) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, " -m statistic --mode random --probability %.4f", p);
  return buf;
}

}  // namespace

Rule drop(const std::string& match, double probability) {
  std::string rule = match;
  rule += probability_match(probability);
  rule += " -j DROP";
  return rule.front() == ' ' ? rule.substr(1) : rule;
}

std::vector<Rule> partition(const std::vector<std::string>& side_a,
                            const std::vector<std::string>& side_b) {
  std::vector<Rule> rules;
  for (const auto& a : side_a)
    for (const auto& b : side_b) {
      rules.push_back(drop("-s " + a + " -d " + b));
      rules.push_back(drop("-s " + b + " -d " + a));
    }
  return rules;
}

std::vector<Rule> one_way(const std::string& from, const std::string& to) {
  return {drop("-s " + from + " -d " + to)};
}

std::vector<Rule> link(const std::string& a, const std::string& b, double probability) {
  return {drop("-s " + a + " -d " + b, probability), drop("-s " + b + " -d " + a, probability)};
}

std::vector<Rule> isolate(const std::string& ip) {
  return {drop("-s " + ip), drop("-d " + ip)};
}

Firewall::Firewall() {
  iptables_ = find_program("iptables");
  restore_ = find_program("iptables-restore");
  if (iptables_.empty() || restore_.empty()) throw std::runtime_error("iptables is not installed");
  restore(
      "*filter\n"
      "-A INPUT -i lo -s 127.0.0.1 -j ACCEPT\n"
      "-A INPUT -i lo -d 127.0.0.1 -j ACCEPT\n"
      "COMMIT\n");
}

Firewall::~Firewall() {
  try {
    run({iptables_, "-F", "INPUT"});
    for (const auto& [group, carried] : groups_) {
      run({iptables_, "-F", chain(group)});
      run({iptables_, "-X", chain(group)});
    }
  } catch (const std::exception&) {
    // The namespace, and every rule in it, goes with the process anyway.
  }
}

void Firewall::set(const std::string& group, const std::vector<Rule>& rules) {
  for (const char c : group)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
      throw std::invalid_argument("firewall group '" + group + "': letters, digits and '-' only");
  const bool made = groups_.count(group) > 0;
  const auto carried = made ? dropped(group) : 0;  // the counters go with the rules
  std::ostringstream text;
  text << "*filter\n:" << chain(group) << " - [0:0]\n";  // declaring a chain empties it
  for (const auto& r : rules)
    text << "-A " << chain(group) << " " << r << "\n";
  if (!made) text << "-A INPUT -i lo -j " << chain(group) << "\n";
  text << "COMMIT\n";
  restore(text.str());
  groups_[group] = carried;
}

void Firewall::clear_all() {
  for (const auto& [group, carried] : groups_)
    clear(group);
}

unsigned long long Firewall::dropped(const std::string& group) {
  const auto it = groups_.find(group);
  return it == groups_.end() ? 0 : it->second + counted(group);
}

unsigned long long Firewall::dropped_total() {
  unsigned long long total = 0;
  for (const auto& [group, carried] : groups_)
    total += carried + counted(group);
  return total;
}

unsigned long long Firewall::counted(const std::string& group) {
  const auto out = run({iptables_, "-w", "-n", "-v", "-x", "-L", chain(group)});
  unsigned long long total = 0;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    unsigned long long packets = 0;
    std::string target, ignored;
    if (fields >> packets >> ignored >> target && target == "DROP") total += packets;
  }
  return total;
}

std::string Firewall::describe() {
  try {
    return run({iptables_, "-w", "-S"});
  } catch (const std::exception& e) {
    return e.what();
  }
}

void Firewall::restore(const std::string& text) {
  const auto path = dir_.file("rules-" + std::to_string(files_++));
  {
    std::ofstream out(path);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
  }
  run({restore_, "-w", "--noflush", path});
}

std::string Firewall::run(const std::vector<std::string>& argv) {
  test_support::ChildProcess p(argv);
  const auto r = p.finish(0, kCommandLimit);
  if (r.timed_out || r.exit_code != 0) {
    std::string cmd;
    for (const auto& a : argv)
      cmd += (cmd.empty() ? "" : " ") + a;
    throw std::runtime_error(cmd + (r.timed_out ? ": timed out" : ": failed: ") + r.err);
  }
  return r.out;
}

}  // namespace hearsay::faults
