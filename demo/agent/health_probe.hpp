// One run of an HTTP or TCP health check: blocking, bounded by a timeout and
// abortable at once through a wake-up file descriptor (so the agent shuts
// down promptly even while a check waits on a silent host).
#pragma once

#include <chrono>
#include <string>

#include "hearsay/service.hpp"

namespace hearsay::tools {

struct ProbeResult {
  Health health = Health::critical;
  std::string output;  // one line for GET /v1/local/services, e.g. "HTTP 200"
};

// GET `url` (http:// only): 2xx passing, 429 warning, anything else critical.
// `wake_fd` becoming readable aborts the probe (the result is then critical).
ProbeResult probe_http(const std::string& url, std::chrono::milliseconds timeout, int wake_fd);

// Connects to HOST:PORT: passing if it connects within `timeout`.
ProbeResult probe_tcp(const std::string& host_port, std::chrono::milliseconds timeout, int wake_fd);

}  // namespace hearsay::tools
