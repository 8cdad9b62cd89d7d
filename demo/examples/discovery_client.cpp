// Client-side discovery: this program joins the cluster itself and calls the
// instances of a service directly, with no proxy in between
// (docs/discovery.md walks through it).
//
//   hearsay-discovery-client --seed tcp://127.0.0.1:7946 --service web --requests 20
//
// It embeds a hearsay::Node, waits until SERVICE has an instance, then makes
// N HTTP GETs to "/", each to an instance chosen by Registry::pick. A call
// that gets no answer (or a 5xx) is retried once on another instance. One
// line per request, then a summary.
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <hearsay/node.hpp>

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::optional<hearsay::Pick> parse_pick(const std::string& name) {
  const std::map<std::string, hearsay::Pick> picks{
      {"random", hearsay::Pick::random},         {"round_robin", hearsay::Pick::round_robin},
      {"weighted", hearsay::Pick::weighted},     {"p2c", hearsay::Pick::p2c},
      {"rendezvous", hearsay::Pick::rendezvous}, {"nearest", hearsay::Pick::nearest}};
  const auto it = picks.find(name);
  return it == picks.end() ? std::nullopt : std::optional(it->second);
}

// "250ms" or "2s".
std::optional<milliseconds> parse_interval(const std::string& text) {
  try {
    std::size_t end = 0;
    const long n = std::stol(text, &end);
    if (n >= 0 && text.substr(end) == "ms") return milliseconds(n);
    if (n >= 0 && text.substr(end) == "s") return milliseconds(n * 1000);
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

struct Outcome {
  int status = 0;  // 0: no answer at all
  std::string error;
};

// One GET to an instance's endpoint ("http://host:port"). A fresh client per
// call keeps the example short; a busy client would keep one per instance.
Outcome call(const hearsay::Instance& instance) {
  httplib::Client http(instance.service.endpoint);
  http.set_connection_timeout(milliseconds(500));
  http.set_read_timeout(milliseconds(2000));
  const auto res = http.Get("/");
  if (!res) return {0, httplib::to_string(res.error())};
  return {res->status, ""};
}

// An instance of `service` chosen by `how`, never the one with id `exclude`
// (the instance that just failed), preferring members nobody suspects.
std::optional<hearsay::Instance> choose(const hearsay::Node& node, const std::string& service,
                                        hearsay::Pick how, const std::string& exclude) {
  const hearsay::Registry registry = node.registry();  // one consistent snapshot
  for (const bool suspects : {false, true}) {
    const hearsay::Query query{.include_suspect = suspects};
    auto chosen = registry.pick(service, how, node.name(), query);
    if (chosen && chosen->service.id == exclude) {  // the picker insists: take another
      chosen.reset();
      for (const auto& other : registry.lookup(service, query))
        if (other.service.id != exclude) chosen = other;
    }
    if (chosen) return chosen;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = "discovery-client", bind = "tcp://127.0.0.1:0", profile = "lan";
  std::vector<std::string> seeds;
  std::string service = "web", picker = "round_robin", interval = "500ms";
  int requests = 10;

  CLI::App app{"Calls the instances of a service found through hearsay, directly"};
  app.add_option("--name", name, "node name, unique in the cluster")->capture_default_str();
  app.add_option("--bind", bind, "this node's ZeroMQ endpoint")->capture_default_str();
  app.add_option("--seed", seeds, "a cluster member's endpoint (repeatable)")->required();
  app.add_option("--profile", profile, "lan, wan or local")->capture_default_str();
  app.add_option("--service", service, "service to call")->capture_default_str();
  app.add_option("--picker", picker, "random, round_robin, weighted, p2c, rendezvous, nearest")
      ->capture_default_str();
  app.add_option("--requests", requests, "how many requests")->capture_default_str();
  app.add_option("--interval", interval, "pause between requests (250ms, 1s)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "hearsay-discovery-client: error: %s\n", e.what());
    return 2;
  }
  const auto pick = parse_pick(picker);
  const auto pause = parse_interval(interval);
  if (!pick || !pause || requests < 0 ||
      (profile != "lan" && profile != "wan" && profile != "local")) {
    std::fprintf(stderr,
                 "hearsay-discovery-client: error: bad --picker, --interval, "
                 "--requests or --profile (see --help)\n");
    return 2;
  }

  hearsay::Config config = profile == "wan"     ? hearsay::Config::wan()
                           : profile == "local" ? hearsay::Config::local()
                                                : hearsay::Config::lan();
  config.name = name;
  config.bind = bind;  // port 0: any free port; this node offers no service
  config.seeds = seeds;

  try {
    hearsay::Node node{config};

    // Joining is asynchronous: wait until the registry lists an instance.
    const auto give_up = Clock::now() + std::chrono::seconds(15);
    while (node.registry().lookup(service).empty()) {
      if (Clock::now() > give_up) {
        std::fprintf(stderr, "hearsay-discovery-client: no healthy instance of '%s' after 15 s\n",
                     service.c_str());
        return 1;
      }
      std::this_thread::sleep_for(milliseconds(100));
    }

    std::map<std::string, int> answers;  // by instance id
    int ok = 0, failed = 0, retried = 0;
    for (int n = 1; n <= requests; ++n) {
      std::printf("request %d:", n);
      std::string failed_id;
      bool answered = false;
      // The first try, and one retry on another instance.
      for (int attempt = 0; attempt < 2 && !answered; ++attempt) {
        const auto instance = choose(node, service, *pick, failed_id);
        if (!instance) {
          std::printf(" no instance left");
          break;
        }
        if (attempt > 0) ++retried;
        const auto start = Clock::now();
        const Outcome out = call(*instance);
        const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        const std::string result =
            out.status ? std::to_string(out.status) : "no answer (" + out.error + ")";
        std::printf("%s %s on %s: %s in %.1f ms", attempt > 0 ? ", retried on" : "",
                    instance->service.id.c_str(), instance->member.c_str(), result.c_str(), ms);
        // No answer, or the instance says it is unwell: try another one.
        answered = out.status != 0 && out.status < 500;
        if (answered) ++answers[instance->service.id];
        failed_id = instance->service.id;
      }
      answered ? ++ok : ++failed;
      std::printf("\n");
      std::fflush(stdout);
      if (n < requests) std::this_thread::sleep_for(*pause);
    }

    std::printf("summary: %d ok, %d failed, %d retried; answers:", ok, failed, retried);
    for (const auto& [id, count] : answers)
      std::printf(" %s=%d", id.c_str(), count);
    std::printf("\n");
    node.leave();
    return failed == 0 ? 0 : 1;
  } catch (const hearsay::ConfigError& e) {
    std::fprintf(stderr, "hearsay-discovery-client: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearsay-discovery-client: error: %s\n", e.what());
    return 1;
  }
}
