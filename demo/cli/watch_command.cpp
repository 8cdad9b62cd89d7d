#include "demo/cli/watch_command.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "demo/cli/agent_client.hpp"
#include "demo/common/stop_signals.hpp"

namespace hearsay::tools {

using nlohmann::json;

namespace {

// How long each long-poll may wait at the agent; the read timeout is longer
// so that an idle service is not mistaken for a dead agent.
constexpr const char* kPollWait = "30s";
constexpr std::chrono::seconds kReadTimeout{45};

std::string text(const json& event, const char* key) {
  if (!event.contains(key) || !event[key].is_string()) return {};
  return event[key].get<std::string>();
}

std::string local_time(std::int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

// Turns SIGINT/SIGTERM into a clean stop of the blocking long-poll: a waiter
// thread takes them (StopSignals), then aborts the request in flight (again
// and again, in case the main thread was between two requests) until the
// main loop is done.
class StopOnSignal {
 public:
  explicit StopOnSignal(AgentClient& client) : client_(client) {
    waiter_ = std::thread([this] {
      if (signals_.wait() == 0) return;  // the watch ended by itself
      stopping_ = true;
      std::unique_lock lock(mutex_);
      while (!done_) {
        client_.stop();
        cv_.wait_for(lock, std::chrono::milliseconds(50));
      }
    });
  }

  ~StopOnSignal() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    if (!stopping_) signals_.wake();  // no signal came: the waiter still waits
    waiter_.join();
    // The signals stay blocked (StopSignals): a second SIGINT/SIGTERM on its
    // way (a double Ctrl-C, or `timeout`, which signals the child and then its
    // process group) must not kill the watch on the way out.
  }

  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

  bool stopping() const { return stopping_; }

 private:
  AgentClient& client_;
  StopSignals signals_;  // before waiter_: blocks the signals before it starts
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread waiter_;
};

struct WatchOptions {
  std::string http;
  std::string name;
  bool json = false;
  bool replay = false;
};

void print_event(const json& event, bool as_json) {
  if (as_json)
    std::cout << event.dump() << '\n';
  else
    std::cout << event_line(event) << '\n';
  std::cout.flush();  // a pipe reader (grep, a script) sees each event at once
}

// The sequence number to ask for next: the agent's "next" when it gives one,
// else the highest seq seen.
std::uint64_t next_after(const json& answer, std::uint64_t after) {
  if (answer.contains("next") && answer["next"].is_number_unsigned())
    return answer["next"].get<std::uint64_t>();
  if (answer.contains("events"))
    for (const auto& e : answer["events"])
      if (e.contains("seq") && e["seq"].is_number_unsigned())
        after = std::max(after, e["seq"].get<std::uint64_t>());
  return after;
}

void run_watch(const WatchOptions& opts) {
  AgentClient client(resolve_http_addr(opts.http));
  client.set_read_timeout(kReadTimeout);
  const std::string base = "/v1/events?service=" + encode_path_segment(opts.name);
  StopOnSignal stop(client);
  try {
    // Where the agent's history ends now; without --replay, only what
    // happens from here on is printed.
    json answer = client.get(base + "&after=0&wait=0s");
    if (opts.replay && answer.contains("events"))
      for (const auto& e : answer["events"])
        print_event(e, opts.json);
    std::uint64_t after = next_after(answer, 0);
    while (!stop.stopping()) {
      answer = client.get(base + "&after=" + std::to_string(after) + "&wait=" + kPollWait);
      if (stop.stopping()) break;
      if (answer.contains("events"))
        for (const auto& e : answer["events"])
          print_event(e, opts.json);
      after = next_after(answer, after);
    }
  } catch (const std::exception&) {
    // The aborted request fails; that is how Ctrl-C ends a watch.
    if (!stop.stopping()) throw;
  }
}

}  // namespace

std::string event_line(const json& event) {
  std::vector<std::string> fields;
  if (event.contains("time_ms") && event["time_ms"].is_number_integer())
    fields.push_back(local_time(event["time_ms"].get<std::int64_t>()));
  const std::string kind = text(event, "kind");
  const std::string type = text(event, "type");
  if (kind == "member") {
    fields.push_back("member " + type);
    fields.push_back(text(event, "member"));
    fields.push_back(text(event, "endpoint"));
  } else {
    fields.push_back(type);
    fields.push_back(text(event, "id"));
    fields.push_back(text(event, "member"));
    fields.push_back(text(event, "health"));
    fields.push_back(text(event, "endpoint"));
  }
  std::string line;
  for (const auto& f : fields) {
    if (f.empty()) continue;
    if (!line.empty()) line += "  ";
    line += f;
  }
  return line;
}

void add_watch_command(CLI::App& app) {
  auto opts = std::make_shared<WatchOptions>();
  CLI::App* sub =
      app.add_subcommand("watch", "print each change to a service's instances until Ctrl-C");
  sub->add_option("NAME", opts->name, "service name")->required();
  sub->add_flag("--json", opts->json, "one JSON object per line instead of text");
  sub->add_flag("--replay", opts->replay,
                "first print the events the agent still remembers (up to 10,000)");
  sub->add_option(
      "--http", opts->http,
      "agent control endpoint HOST:PORT (default $HEARSAY_HTTP_ADDR or 127.0.0.1:7900)");
  sub->callback([opts] { run_watch(*opts); });
}

}  // namespace hearsay::tools
