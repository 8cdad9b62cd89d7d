#include "tests/faults/agents.hpp"

#include <signal.h>

#include <fstream>
#include <stdexcept>

namespace hearsay::faults {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

// The KiB value of `key:` lines in a /proc file, summed.
std::uint64_t proc_kib(const std::string& path, const std::vector<std::string>& keys) {
  std::ifstream in(path);
  std::string line;
  std::uint64_t total = 0;
  while (std::getline(in, line))
    for (const auto& key : keys)
      if (line.rfind(key + ":", 0) == 0) total += std::stoull(line.substr(key.size() + 1));
  return total;
}

}  // namespace

Memory memory_of(pid_t pid) {
  if (pid <= 0) return {};
  const auto dir = "/proc/" + std::to_string(pid);
  Memory m;
  try {
    m.rss_kib = proc_kib(dir + "/status", {"VmRSS"});
    m.private_kib = proc_kib(dir + "/smaps_rollup", {"Private_Clean", "Private_Dirty"});
  } catch (const std::exception&) {
    return {};
  }
  return m;
}

Cluster::Cluster(AgentSetup setup, int size) : setup_(std::move(setup)) {
  if (size < 1 || size > 250) throw std::invalid_argument("cluster size must be 1..250");
  slots_.resize(static_cast<std::size_t>(size));
}

Cluster::~Cluster() {
  for (auto& s : slots_)
    s.process.reset();  // SIGKILL (stopped ones too) and reap
}

std::vector<std::string> Cluster::names() const {
  std::vector<std::string> out;
  for (int i = 0; i < size(); ++i)
    out.push_back(name_of(i));
  return out;
}

std::vector<std::string> Cluster::ips(const std::vector<int>& slots) const {
  std::vector<std::string> out;
  for (const int s : slots)
    out.push_back(ip_of(s));
  return out;
}

void Cluster::start(int slot, const std::vector<std::string>& extra) {
  auto& s = at(slot);
  if (s.process && s.process->running())
    throw std::logic_error(name_of(slot) + " is already running");
  std::vector<std::string> argv = {
      setup_.binary, "agent",           "--name", name_of(slot),
      "--bind",      endpoint_of(slot), "--http", "127.0.0.1:" + std::to_string(http_port_of(slot)),
      "--profile",   setup_.profile,    "--quiet"};
  for (int seed = 0, given = 0; seed < size() && given < setup_.seeds; ++seed) {
    if (seed == slot) continue;
    argv.insert(argv.end(), {"--seed", endpoint_of(seed)});
    ++given;
  }
  argv.insert(argv.end(), setup_.extra_args.begin(), setup_.extra_args.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  s.process.reset();  // a crashed one's files go
  s.process = std::make_unique<test_support::ChildProcess>(
      argv, test_support::ChildProcess::Env{},
      test_support::ChildProcess::Options{.die_with_parent = true});
  s.paused = false;
  s.started_ms = now_ms();
  ++s.starts;
}

void Cluster::start_all() {
  for (int i = 0; i < size(); ++i)
    start(i);
}

void Cluster::crash(int slot) {
  auto& s = at(slot);
  if (!s.process) return;
  s.process->finish(SIGKILL, std::chrono::seconds(10));
  s.paused = false;
}

void Cluster::pause(int slot) {
  auto& s = at(slot);
  if (s.process && s.process->signal(SIGSTOP)) s.paused = true;
}

void Cluster::resume(int slot) {
  auto& s = at(slot);
  if (s.process && s.process->signal(SIGCONT)) s.paused = false;
}

bool Cluster::running(int slot) {
  auto& s = at(slot);
  return s.process && s.process->running();
}

pid_t Cluster::pid(int slot) const {
  const auto& s = slots_.at(static_cast<std::size_t>(slot));
  return s.process ? s.process->pid() : -1;
}

std::string Cluster::output(int slot) const {
  const auto& s = slots_.at(static_cast<std::size_t>(slot));
  return s.process ? s.process->err() : std::string();
}

std::vector<std::string> Cluster::unexpected_exits() {
  std::vector<std::string> out;
  for (int i = 0; i < size(); ++i) {
    auto& s = at(i);
    if (!s.process || s.process->running()) continue;
    const auto code = s.process->wait_exit(std::chrono::milliseconds(0));
    if (code && *code != 128 + SIGKILL)
      out.push_back(name_of(i) + ": exited with " + std::to_string(*code) + ": " + output(i));
  }
  return out;
}

}  // namespace hearsay::faults
