// Keep-alive HTTP connections to upstream instances, reused across requests.
//
// An httplib::Client serialises the requests made through it, and the
// gateway's server is multi-threaded, so one client per instance would make
// concurrent requests to that instance queue up. Instead each request leases
// a client of its own (an idle one if there is one, else a new one) and gives
// it back once the instance answered; a client whose request failed is
// dropped with its connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace httplib {
class Client;
}

namespace hearsay::tools {

class UpstreamPool {
 public:
  UpstreamPool(std::chrono::milliseconds connect_timeout, std::chrono::milliseconds read_timeout);
  ~UpstreamPool();
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // `base` is "http://host:port" (or https). Never null; check is_valid().
  std::unique_ptr<httplib::Client> acquire(const std::string& base);
  // Gives back a client whose last request got an answer, for reuse.
  void release(const std::string& base, std::unique_ptr<httplib::Client> client);

 private:
  static constexpr std::size_t kIdlePerInstance = 16;
  static constexpr std::size_t kMaxInstances = 1024;  // beyond: forget every idle client

  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds read_timeout_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle_;
};

}  // namespace hearsay::tools
