// hearsay-test-node: one hearsay::Node in its own process, for the
// multi-process integration test (tests/integration/multiprocess_test.cpp).
//
//   hearsay-test-node --name N --bind E [--seed E]... [--status-file PATH]
//
// Prints "endpoint <endpoint>" as its first line on stdout and flushes, then
// every 50 ms rewrites the status file atomically (temporary file + rename)
// with one line per member it knows, itself included: "<name> <state>".
// SIGTERM or SIGINT: leaves gracefully and exits 0. Exits 2 on bad arguments,
// 1 if the node cannot start. Dies with its parent (PR_SET_PDEATHSIG), so a
// crashed test never leaves nodes behind.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "hearsay/node.hpp"

namespace {

struct Args {
  std::string name;
  std::string bind;
  std::vector<std::string> seeds;
  std::string status_file;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "hearsay-test-node: " << why
            << "\nusage: hearsay-test-node --name N --bind E [--seed E]... [--status-file PATH]\n";
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) usage("missing value for " + std::string(flag));
    const std::string value = argv[++i];
    if (flag == "--name")
      a.name = value;
    else if (flag == "--bind")
      a.bind = value;
    else if (flag == "--seed")
      a.seeds.push_back(value);
    else if (flag == "--status-file")
      a.status_file = value;
    else
      usage("unknown option " + std::string(flag));
  }
  if (a.name.empty()) usage("--name is required");
  if (a.bind.empty()) usage("--bind is required");
  return a;
}

void write_status(const hearsay::Node& node, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return;
    for (const auto& m : node.members())
      out << m.name << ' ' << hearsay::to_string(m.state) << '\n';
    if (!out.flush()) return;
  }
  std::rename(tmp.c_str(), path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  // Die with the test that spawned us, even if it crashes before reaping.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() == 1) return 1;

  const Args args = parse(argc, argv);

  // Block the stop signals before the node starts its thread (which inherits
  // the mask), so only the main loop's sigtimedwait ever takes them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr) != 0) return 1;

  try {
    auto config = hearsay::Config::local();
    config.name = args.name;
    config.bind = args.bind;
    config.seeds = args.seeds;
    hearsay::Node node(config);

    std::cout << "endpoint " << node.endpoint() << std::endl;  // flushes

    const timespec period{0, 50'000'000};
    for (;;) {
      if (!args.status_file.empty()) write_status(node, args.status_file);
      const int sig = ::sigtimedwait(&stop_signals, nullptr, &period);
      if (sig == SIGTERM || sig == SIGINT) break;
      if (sig < 0 && errno != EAGAIN && errno != EINTR) return 1;
    }
    node.leave();
    if (!args.status_file.empty()) write_status(node, args.status_file);
  } catch (const std::exception& e) {
    std::cerr << "hearsay-test-node " << args.name << ": " << e.what() << '\n';
    return 1;
  }
  return 0;
}
