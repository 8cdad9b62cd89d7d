#include "tests/faults/netns.hpp"

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>

#include "tests/support/child_process.hpp"

namespace hearsay::faults {

namespace {

std::optional<std::string> entered;

// `ip link set lo up`, without needing the ip program.
std::string bring_up_loopback() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("socket: ") + std::strerror(errno);
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  std::string problem;
  if (::ioctl(fd, SIOCGIFFLAGS, &req) != 0) {
    problem = std::string("SIOCGIFFLAGS lo: ") + std::strerror(errno);
  } else {
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
    if (::ioctl(fd, SIOCSIFFLAGS, &req) != 0)
      problem = std::string("SIOCSIFFLAGS lo: ") + std::strerror(errno);
  }
  ::close(fd);
  return problem;
}

// Whether iptables works here, with the statistic match the loss rules use
// (the program may be installed while the kernel lacks nf_tables): a rule
// added and deleted again. "" if it does.
std::string check_iptables() {
  const auto iptables = find_program("iptables");
  for (const char* op : {"-A", "-D"}) {
    test_support::ChildProcess p({iptables, "-w", op, "INPUT", "-i", "lo", "-m", "statistic",
                                  "--mode", "random", "--probability", "0.5", "-j", "ACCEPT"});
    const auto r = p.finish(0, std::chrono::seconds(15));
    if (r.timed_out || r.exit_code != 0)
      return "iptables does not work here (" + iptables + " " + op +
             " ...: " + (r.timed_out ? std::string("timed out") : r.err) + ")";
  }
  return "";
}

}  // namespace

std::string find_program(const std::string& name) {
  std::string dirs = "/usr/sbin:/sbin:/usr/bin:/bin";
  if (const char* path = std::getenv("PATH")) dirs = std::string(path) + ":" + dirs;
  std::istringstream in(dirs);
  std::string dir;
  while (std::getline(in, dir, ':')) {
    if (dir.empty()) continue;
    const auto candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string enter_private_network() {
  if (entered) return *entered;
  if (::geteuid() != 0)
    return *(entered = "not root (the fault bed needs CAP_SYS_ADMIN and CAP_NET_ADMIN)");
  if (find_program("iptables").empty() || find_program("iptables-restore").empty())
    return *(entered = "iptables is not installed (scripts/install-deps.sh installs it)");
  if (::unshare(CLONE_NEWNET) != 0)
    return *(entered = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno));
  if (auto problem = bring_up_loopback(); !problem.empty()) return *(entered = problem);
  return *(entered = check_iptables());
}

const std::string& private_network_problem() {
  static const std::string never = "not entered (enter_private_network() was not called)";
  return entered ? *entered : never;
}

}  // namespace hearsay::faults
