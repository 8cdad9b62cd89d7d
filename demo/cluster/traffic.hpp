// A steady stream of requests through the gateway (GET /web/), each recorded
// with when it was sent, its status and which instance answered.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "demo/cluster/observer.hpp"

namespace hearsay::tools {

struct Request {
  Clock::time_point sent;
  int status = 0;        // 0: no answer within the timeout
  std::string instance;  // X-Hearsay-Instance
  std::string member;    // X-Hearsay-Member
  bool ok() const { return status >= 200 && status < 300; }
};

// What the requests sent in [from, to) came to.
struct TrafficFigures {
  int requests = 0, successes = 0, errors = 0;
  std::map<std::string, int> spread;  // answering instance -> requests
};

class Traffic {
 public:
  Traffic(int gateway_port, double rate);
  ~Traffic();  // stops the stream
  Traffic(const Traffic&) = delete;
  Traffic& operator=(const Traffic&) = delete;

  void start();
  void stop();
  std::vector<Request> requests() const;  // every one so far, in send order
  TrafficFigures figures(Clock::time_point from, Clock::time_point to) const;

 private:
  void run();

  int port_;
  double rate_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Request> log_;
  std::thread thread_;
};

}  // namespace hearsay::tools
