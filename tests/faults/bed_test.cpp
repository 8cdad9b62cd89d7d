// The bed itself: its figures from hand-made timelines (no root needed), its
// children dying with it, its namespace being private, and its rules acting
// per node and per link.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/faults/analysis.hpp"
#include "tests/faults/firewall.hpp"
#include "tests/faults/netns.hpp"
#include "tests/faults/scenarios.hpp"
#include "tests/support/child_process.hpp"

namespace hearsay::faults {
namespace {

using namespace std::chrono_literals;

Event ev(std::int64_t t, const std::string& observer, const std::string& member,
         const std::string& type, int generation = 1) {
  return Event{t, observer, generation, type, member};
}

// --- analysis, on hand-made timelines ---

TEST(FaultAnalysis, ConvergenceIsWhenTheLastObserverSawEveryoneAlive) {
  const std::vector<std::string> names = {"a", "b", "c"};
  const std::vector<Event> events = {
      ev(1000, "a", "b", "join"), ev(1500, "a", "c", "join"), ev(1200, "b", "a", "join"),
      ev(2500, "b", "c", "join"), ev(1100, "c", "a", "join"), ev(1300, "c", "b", "join"),
  };
  EXPECT_EQ(all_alive_since(events, "a", names, 0), 1500);
  EXPECT_EQ(all_alive_since(events, "b", names, 0), 2500);
  EXPECT_EQ(everyone_sees_everyone(events, names, names, 0), 2500);
  // Measured from later on, a view that already held counts from then.
  EXPECT_EQ(everyone_sees_everyone(events, names, names, 3000), 3000);
}

TEST(FaultAnalysis, AnObserverThatNeverSeesEveryoneMeansNoConvergence) {
  const std::vector<std::string> names = {"a", "b", "c"};
  const std::vector<Event> events = {ev(1000, "a", "b", "join"), ev(1000, "a", "c", "join"),
                                     ev(1000, "b", "a", "join"), ev(1000, "b", "c", "join"),
                                     ev(1000, "c", "a", "join")};
  EXPECT_EQ(all_alive_since(events, "c", names, 0), std::nullopt);
  EXPECT_EQ(everyone_sees_everyone(events, names, names, 0), std::nullopt);
}

TEST(FaultAnalysis, ASuspicionBreaksTheRunAndARefutationStartsANewOne) {
  const std::vector<std::string> names = {"a", "b"};
  const std::vector<Event> events = {ev(1000, "a", "b", "join"), ev(4000, "a", "b", "suspect"),
                                     ev(6000, "a", "b", "alive")};
  EXPECT_EQ(all_alive_since(events, "a", names, 0), 1000);
  EXPECT_EQ(all_alive_since(events, "a", names, 3000), 3000);  // held at 3000
  EXPECT_EQ(all_alive_since(events, "a", names, 4500), 6000);  // suspected at 4500
  EXPECT_EQ(view_at(events, "a", 5000).at("b"), "suspect");
  EXPECT_EQ(view_at(events, "a", 7000).at("b"), "alive");
}

TEST(FaultAnalysis, OnlyTheObserversLatestGenerationCounts) {
  const std::vector<std::string> names = {"a", "b"};
  const std::vector<Event> events = {ev(1000, "a", "b", "join", 1), ev(9000, "a", "b", "join", 2)};
  EXPECT_EQ(all_alive_since(events, "a", names, 0), 9000);
}

TEST(FaultAnalysis, UndeservedDeathsAreThoseNoFaultExplains) {
  const std::vector<Event> events = {
      ev(1000, "a", "c", "dead"),  // c crashed at 500: deserved
      ev(2000, "a", "b", "dead"),  // b never faulted: false
      ev(3000, "d", "b", "dead"),  // d was across a partition from b until 2500: false after
      ev(2400, "d", "b", "dead"),  // ... deserved before
  };
  const std::vector<Deserved> deserved = {Deserved{"c", {}, 500, kForever},
                                          Deserved{"b", {"d"}, 1500, 2500}};
  const auto bad = undeserved(events, "dead", deserved);
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[0].time_ms, 2000);
  EXPECT_EQ(bad[1].time_ms, 3000);
  EXPECT_EQ(of_type(events, "dead", 1500, 2500).size(), 2u);
  EXPECT_EQ(first(events, "d", "b", "dead", 0), 2400);
  EXPECT_EQ(first(events, "d", "b", "dead", 2500), 3000);
}

TEST(FaultAnalysis, MetricFamiliesSumEveryLabel) {
  const Metrics m = {{"hearsay_messages_out_total{type=\"ack\"}", 3},
                     {"hearsay_messages_out_total{type=\"ping\"}", 4},
                     {"hearsay_messages_out_totalx", 100},
                     {"hearsay_bytes_out_total", 7}};
  EXPECT_EQ(family_sum(m, "hearsay_messages_out_total"), 7);
  EXPECT_EQ(family_sum(m, "hearsay_bytes_out_total"), 7);
  EXPECT_EQ(family_sum(m, "hearsay_nothing"), 0);
}

TEST(FaultAnalysis, LifeguardBoundForTheLanProfile) {
  // 8 probe intervals + 6 * 4 * max(1, log10 8) s + 2 s.
  EXPECT_DOUBLE_EQ(lifeguard_bound_s(8), 8 + 24 + 2);
  EXPECT_NEAR(lifeguard_bound_s(16), 16 + 24 * std::log10(16.0) + 2, 1e-9);
}

TEST(FaultFirewall, RulesSpellTheFaults) {
  EXPECT_EQ(drop(""), "-j DROP");
  EXPECT_EQ(drop("", 0.2), "-m statistic --mode random --probability 0.2000 -j DROP");
  EXPECT_EQ(one_way("127.0.0.2", "127.0.0.3"),
            std::vector<Rule>{"-s 127.0.0.2 -d 127.0.0.3 -j DROP"});
  EXPECT_EQ(isolate("127.0.0.4"),
            (std::vector<Rule>{"-s 127.0.0.4 -j DROP", "-d 127.0.0.4 -j DROP"}));
  EXPECT_EQ(partition({"127.0.0.2"}, {"127.0.0.3", "127.0.0.4"}).size(), 4u);
}

// --- children die with the bed ---

TEST(FaultBedProcesses, AChildDiesWithTheThreadThatStartedIt) {
  std::unique_ptr<test_support::ChildProcess> child;
  std::thread starter([&] {
    child = std::make_unique<test_support::ChildProcess>(
        std::vector<std::string>{"/bin/sleep", "60"}, test_support::ChildProcess::Env{},
        test_support::ChildProcess::Options{.die_with_parent = true});
  });
  starter.join();  // the thread that forked it is gone: the kernel kills it
  EXPECT_EQ(child->wait_exit(10s), 128 + SIGKILL);
}

TEST(FaultBedProcesses, AMissingProgramIsReported) {
  EXPECT_THROW(test_support::ChildProcess({"/nonexistent/agent"}, {}, {.die_with_parent = true}),
               std::runtime_error);
}

// --- the namespace and the rules ---

TEST(FaultBed, TheNamespaceHasOnlyItsOwnLoopback) {
  REQUIRE_FAULT_BED();
  std::vector<std::string> names;
  if (auto* list = if_nameindex()) {
    for (auto* i = list; i->if_index != 0; ++i)
      names.emplace_back(i->if_name);
    if_freenameindex(list);
  }
  EXPECT_EQ(names, std::vector<std::string>{"lo"});
  EXPECT_TRUE(if_nametoindex("lo") != 0);
}

// Connects from `from` to `to`:port within 1 s; true if it opened.
bool connects(const std::string& from, const std::string& to, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in src{}, dst{};
  src.sin_family = dst.sin_family = AF_INET;
  ::inet_pton(AF_INET, from.c_str(), &src.sin_addr);
  ::inet_pton(AF_INET, to.c_str(), &dst.sin_addr);
  dst.sin_port = htons(port);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) == 0;
  if (ok && ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    ok = errno == EINPROGRESS && ::poll(&p, 1, 1000) == 1 &&
         ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
  }
  ::close(fd);
  return ok;
}

TEST(FaultBed, RulesActPerNodeAndPerLink) {
  REQUIRE_FAULT_BED();
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.3", &at.sin_addr);
  socklen_t len = sizeof at;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&at), sizeof at), 0);
  ASSERT_EQ(::listen(listener, 16), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&at), &len), 0);
  const auto port = ntohs(at.sin_port);
  {
    Firewall fw;
    EXPECT_TRUE(connects("127.0.0.2", "127.0.0.3", port));
    fw.set("link", one_way("127.0.0.2", "127.0.0.3"));
    EXPECT_FALSE(connects("127.0.0.2", "127.0.0.3", port)) << fw.describe();
    EXPECT_TRUE(connects("127.0.0.4", "127.0.0.3", port));  // another node's link is clear
    EXPECT_TRUE(connects("127.0.0.1", "127.0.0.3", port));  // observation is never touched
    EXPECT_GT(fw.dropped("link"), 0u);
    fw.set("stall", isolate("127.0.0.3"));
    EXPECT_FALSE(connects("127.0.0.4", "127.0.0.3", port));
    EXPECT_TRUE(connects("127.0.0.1", "127.0.0.3", port));
    fw.clear_all();
    EXPECT_TRUE(connects("127.0.0.2", "127.0.0.3", port));
  }
  ::close(listener);
}

}  // namespace
}  // namespace hearsay::faults
