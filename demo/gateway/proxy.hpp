// The gateway's routing: /<service>/<rest> goes to <endpoint>/<rest> of an
// instance of <service> that the embedded node's registry lists, picked by
// the configured Pick mode; a try that got no answer is retried on another
// instance. Counts what it did for /_gateway/stats.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "demo/gateway/upstream_pool.hpp"
#include "hearsay/node.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace hearsay::tools {

struct ProxyOptions {
  Pick picker = Pick::round_robin;
  int retries = 1;  // further tries, each on an instance not tried yet
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds read_timeout{5000};
};

class Proxy {
 public:
  // `node` must outlive the proxy.
  Proxy(const Node& node, ProxyOptions options);

  // Serves one request whose target is /<service>/<rest>. Thread-safe.
  void serve(const httplib::Request& req, httplib::Response& res);

  // {"requests", "errors", "retries", "by_instance": {id: answers}}.
  nlohmann::json stats_json() const;

 private:
  // An instance of `service` not in `tried` (keyed member/id): the picker's
  // choice among passing/warning instances of unsuspected members, else among
  // suspected ones too.
  std::optional<Instance> choose(std::string_view service, std::string_view key,
                                 const std::set<std::string>& tried) const;
  void count(bool error, int retries, const std::string* answered_by);

  const Node& node_;
  ProxyOptions options_;
  UpstreamPool pool_;

  mutable std::mutex mu_;
  std::uint64_t requests_ = 0;
  std::uint64_t errors_ = 0;
  std::uint64_t retries_ = 0;
  std::map<std::string, std::uint64_t> by_instance_;
};

}  // namespace hearsay::tools
