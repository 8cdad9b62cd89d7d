// A client that discovers the "greeter" service through hearsay.
//
//   hearsay-example-client NAME BIND SEED [SECONDS]
//   hearsay-example-client client-1 tcp://127.0.0.1:0 tcp://127.0.0.1:7946
//
// It joins the cluster through SEED, waits until "greeter" has an instance,
// picks one by power of two choices and one by rendezvous hashing on a user
// key, then watches "greeter" and prints every change for SECONDS (default 5)
// before it leaves.
#include <hearsay/node.hpp>

#include <chrono>
#include <exception>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

void print(const char* what, const std::optional<hearsay::Instance>& i) {
  if (i)
    std::cout << what << ": " << i->service.id << " on " << i->member << " at "
              << i->service.endpoint << '\n';
  else
    std::cout << what << ": none\n";
}

// Watch callbacks run on the node's thread and must not block it: this one
// only queues a line under a short lock; the main thread prints.
class Inbox {
 public:
  void push(std::string line) {
    std::lock_guard lock(mu_);
    lines_.push_back(std::move(line));
  }
  std::vector<std::string> take() {
    std::lock_guard lock(mu_);
    return std::exchange(lines_, {});
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: hearsay-example-client NAME BIND SEED [SECONDS]\n";
    return 2;
  }
  hearsay::Config cfg = hearsay::Config::local();
  cfg.name = argv[1];
  cfg.bind = argv[2];
  cfg.seeds = {argv[3]};
  const auto run_for = std::chrono::seconds(argc > 4 ? std::stoi(argv[4]) : 5);

  try {
    // Declared before the node, so it outlives the node's thread and with it
    // every callback that may touch it.
    Inbox inbox;
    hearsay::Node node{cfg};

    // Watch first, then read: the watch reports every change from now on
    // (here: the instances arriving as the node joins), and a read after it
    // cannot miss one. It does not replay what was there before it started.
    hearsay::Watch watch = node.watch("greeter", [&inbox](const hearsay::ServiceEvent& e) {
      inbox.push(std::string(hearsay::to_string(e.type)) + " " + e.instance.service.id + " on " +
                 e.instance.member + " (" +
                 std::string(hearsay::to_string(e.instance.member_state)) + ", " +
                 std::string(hearsay::to_string(e.instance.service.health)) + ")");
    });

    // Joining is asynchronous: the registry fills as the news arrives.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (node.registry().lookup("greeter").empty()) {
      if (std::chrono::steady_clock::now() > give_up) {
        std::cerr << "no greeter after 10 s\n";
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }

    // One snapshot, several reads: they all see the same registry.
    const hearsay::Registry registry = node.registry();
    for (const auto& i : registry.lookup("greeter"))
      std::cout << "instance: " << i.service.id << " on " << i.member << " ("
                << hearsay::to_string(i.service.health) << ")\n";
    print("p2c", registry.pick("greeter", hearsay::Pick::p2c));
    print("rendezvous(user-42)", registry.pick("greeter", hearsay::Pick::rendezvous, "user-42"));
    print("v1 only", registry.pick("greeter", hearsay::Pick::random, {}, {.tag = "v1"}));

    const auto until = std::chrono::steady_clock::now() + run_for;
    while (std::chrono::steady_clock::now() < until) {
      for (const auto& line : inbox.take())
        std::cout << "watch: " << line << '\n';
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    watch.cancel();  // no more events (one already running may still finish)

    std::cout << "members:";
    for (const auto& m : node.members())
      std::cout << ' ' << m.name << '=' << hearsay::to_string(m.state);
    std::cout << "\nprobes sent: " << node.stats().probes << '\n';
    node.leave();
    return 0;
  } catch (const hearsay::ConfigError& e) {
    std::cerr << "bad configuration, field " << e.field() << ": " << e.reason() << '\n';
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
  }
  return 1;
}
