// The interactive view: redrawn about four times a second with ANSI escapes,
// one row per node as it sees the cluster, the current step, the latest
// events and the gateway's traffic.
#pragma once

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "demo/cluster/observer.hpp"
#include "demo/cluster/steps.hpp"
#include "demo/cluster/timeline.hpp"
#include "demo/cluster/traffic.hpp"

namespace hearsay::tools {

class LiveView {
 public:
  LiveView(std::vector<std::string> nodes, const Observer& observer, const Timeline& log,
           const Progress& progress, const Traffic& traffic, Clock::time_point start,
           std::FILE* out);
  ~LiveView();  // stops, restoring the cursor
  LiveView(const LiveView&) = delete;
  LiveView& operator=(const LiveView&) = delete;

  void start();
  void stop();
  // One frame as text (without the escapes that position it).
  std::string render() const;

 private:
  std::vector<std::string> nodes_;
  const Observer& observer_;
  const Timeline& log_;
  const Progress& progress_;
  const Traffic& traffic_;
  Clock::time_point start_;
  std::FILE* out_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace hearsay::tools
