// Determinism: one root seed fixes the whole run. Two runs with the same seed
// produce byte-identical event traces; another seed produces another trace.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "tests/sim/cluster.hpp"

namespace hearsay::sim {
namespace {

struct Run {
  std::string trace;
  std::uint64_t hash = 0;
  std::uint64_t messages = 0;
};

// 50 nodes join, one crashes, 5% loss, a partition comes and goes: 30 virtual
// seconds touching every kind of event the simulator has.
Run eventful_run(std::uint64_t seed, bool trace) {
  ClusterOptions o;
  o.nodes = 50;
  o.seed = seed;
  o.trace = trace;
  o.link.loss = 0.05;
  Cluster c(o);
  c.start_all({0, 1});
  c.run_for(5s);
  c.crash(7);
  c.pause(11);
  c.run_for(5s);
  c.resume(11);
  std::vector<std::size_t> left;
  std::vector<std::size_t> right;
  for (std::size_t i = 0; i < o.nodes; ++i)
    (i < 25 ? left : right).push_back(i);
  c.network().partition(left, right);
  c.schedule(7s, [&c] { c.network().heal(); });
  c.run_for(10s);
  c.restart(7, {0});
  c.leave(3);
  c.run_for(10s);
  return {c.trace(), c.trace_hash(), c.messages_sent()};
}

// The first line where two traces part, for a readable failure.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a);
  std::istringstream sb(b);
  std::string la;
  std::string lb;
  for (std::size_t line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(sa, la));
    const bool more_b = static_cast<bool>(std::getline(sb, lb));
    if (!more_a && !more_b) return "no difference";
    if (!more_a || !more_b || la != lb) {
      return "line " + std::to_string(line) + ":\n  " + (more_a ? la : "<end>") + "\n  " +
             (more_b ? lb : "<end>");
    }
  }
}

TEST(Determinism, SameSeedGivesByteIdenticalTrace) {
  const auto a = eventful_run(42, true);
  const auto b = eventful_run(42, true);
  ASSERT_FALSE(a.trace.empty());
  EXPECT_GT(a.messages, 1000u);
  EXPECT_TRUE(a.trace == b.trace) << first_difference(a.trace, b.trace);
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.messages, b.messages);
}

TEST(Determinism, DifferentSeedGivesDifferentTrace) {
  const auto a = eventful_run(42, true);
  const auto b = eventful_run(43, true);
  EXPECT_NE(a.trace, b.trace);
  EXPECT_NE(a.hash, b.hash);
}

TEST(Determinism, HashDoesNotDependOnKeepingTheText) {
  const auto with_text = eventful_run(7, true);
  const auto without = eventful_run(7, false);
  EXPECT_TRUE(without.trace.empty());
  EXPECT_EQ(with_text.hash, without.hash);
}

TEST(Determinism, TraceRecordsEveryKindOfEvent) {
  const auto run = eventful_run(42, true);
  for (const char* kind : {" start ", " deliver ", " tick ", " crash ", " pause ", " resume ",
                           " restart ", " leave ", " drop ", " event ", " callback "}) {
    EXPECT_NE(run.trace.find(kind), std::string::npos) << "no" << kind << "line";
  }
  // Lines read "<ns since epoch> deliver nA->nB <xxh64 hex>".
  const auto first_deliver = run.trace.find(" deliver n");
  ASSERT_NE(first_deliver, std::string::npos);
  EXPECT_NE(run.trace.find("->n", first_deliver), std::string::npos);
}

}  // namespace
}  // namespace hearsay::sim
