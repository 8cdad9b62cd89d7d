// The smallest program against an installed hearsay: one node, one service,
// found again in the node's own registry. Prints OK and exits 0 on success.
#include <chrono>
#include <exception>
#include <iostream>
#include <thread>

#include <hearsay/node.hpp>

int main() {
  try {
    hearsay::Config cfg = hearsay::Config::local();
    cfg.name = "consumer-1";
    cfg.bind = "tcp://127.0.0.1:0";
    cfg.leave_timeout = std::chrono::milliseconds(500);
    hearsay::Node node{cfg};
    // tags and meta spelled out: GCC 12's -Wextra flags designated
    // initializers that skip members without a default member initializer.
    node.advertise({.name = "echo",
                    .id = "echo-1",
                    .endpoint = "tcp://127.0.0.1:5555",
                    .tags = {},
                    .meta = {}});

    // advertise() is posted to the node's thread; the registry catches up.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto found = node.registry().lookup("echo");
      if (found.size() == 1 && found[0].service.id == "echo-1" && found[0].member == "consumer-1") {
        node.leave();
        std::cout << "OK " << node.endpoint() << '\n';
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::cerr << "consumer: echo-1 never appeared in the registry\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "consumer: " << e.what() << '\n';
    return 1;
  }
}
