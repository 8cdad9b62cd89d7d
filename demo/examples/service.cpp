// A service that advertises itself through hearsay.
//
//   hearsay-example-service NAME BIND [SEED...] [--http=URL]
//   hearsay-example-service greeter-1 tcp://127.0.0.1:7946
//   hearsay-example-service greeter-2 tcp://127.0.0.1:7947 tcp://127.0.0.1:7946
//                           --http=http://127.0.0.1:8082/hello
//
// It joins the cluster through the seeds, advertises one "greeter" instance
// reachable at the --http URL (this example serves nothing there; a real
// service would), reports itself healthy once "warmed up", and stays until
// SIGINT or SIGTERM, when it leaves the cluster gracefully.
#include <hearsay/node.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_signal(int) {
  g_stop = 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  hearsay::Config cfg = hearsay::Config::local();  // single host; Config::lan() across hosts
  std::string http = "http://127.0.0.1:8080/hello";
  for (const auto& a : args) {
    if (a.starts_with("--http="))
      http = a.substr(7);
    else if (cfg.name.empty())
      cfg.name = a;
    else if (cfg.bind.empty())
      cfg.bind = a;
    else
      cfg.seeds.push_back(a);
  }
  if (cfg.name.empty() || cfg.bind.empty()) {
    std::cerr << "usage: hearsay-example-service NAME BIND [SEED...] [--http=URL]\n";
    return 2;
  }

  try {
    hearsay::Node node{cfg};  // ConfigError for a bad field, runtime_error if BIND is taken
    std::cout << node.name() << ": listening at " << node.endpoint() << std::endl;

    // Advertise before we are ready: clients asking for healthy instances
    // (the default Query admits passing and warning) skip critical ones.
    node.advertise({.name = "greeter",
                    .id = node.name(),
                    .endpoint = http,
                    .tags = {"v1"},
                    .meta = {{"load", "0.10"}, {"version", "1.0.0"}},
                    .health = hearsay::Health::critical});
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // "warming up"
    node.set_health(node.name(), hearsay::Health::passing);
    std::cout << node.name() << ": advertising greeter at " << http << std::endl;

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    while (g_stop == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));

    // The destructor would leave too; leaving explicitly says when.
    std::cout << node.name() << ": leaving" << std::endl;
    node.leave();
    return 0;
  } catch (const hearsay::ConfigError& e) {
    std::cerr << "bad configuration, field " << e.field() << ": " << e.reason() << '\n';
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
  }
  return 1;
}
