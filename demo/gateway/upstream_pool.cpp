#include "demo/gateway/upstream_pool.hpp"

#include <httplib.h>

#include <utility>

namespace hearsay::tools {

UpstreamPool::UpstreamPool(std::chrono::milliseconds connect_timeout,
                           std::chrono::milliseconds read_timeout)
    : connect_timeout_(connect_timeout), read_timeout_(read_timeout) {}

UpstreamPool::~UpstreamPool() = default;

std::unique_ptr<httplib::Client> UpstreamPool::acquire(const std::string& base) {
  {
    std::lock_guard lock(mu_);
    const auto it = idle_.find(base);
    if (it != idle_.end() && !it->second.empty()) {
      auto client = std::move(it->second.back());
      it->second.pop_back();
      return client;
    }
  }
  auto client = std::make_unique<httplib::Client>(base);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);  // no Nagle wait between header and body writes
  client->set_connection_timeout(connect_timeout_);
  client->set_read_timeout(read_timeout_);
  client->set_write_timeout(read_timeout_);
  // Pass bodies through as they come (compressed or not) with their headers.
  client->set_decompress(false);
  // The path is forwarded exactly as the caller sent it (already encoded).
  client->set_url_encode(false);
  return client;
}

void UpstreamPool::release(const std::string& base, std::unique_ptr<httplib::Client> client) {
  std::lock_guard lock(mu_);
  if (idle_.size() >= kMaxInstances && !idle_.count(base)) idle_.clear();
  auto& idle = idle_[base];
  if (idle.size() < kIdlePerInstance) idle.push_back(std::move(client));
}

}  // namespace hearsay::tools
