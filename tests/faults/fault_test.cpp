// The CI subset of issue 9's fault scenarios (N = 8, windows of ~20 s): real
// `hearsay agent` processes in the bed's private network namespace, faults
// as iptables rules, figures from the agents' own control APIs. Each test
// asserts what the issue requires; the bounds are the (a stalled
// host within Lifeguard's bound, healing within 5 s) or generous where the
// issue names none. bench/faults_matrix.cpp runs the same scenarios at the
// issue's sizes; docs/reliability.md has the figures.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "tests/faults/netns.hpp"
#include "tests/faults/scenarios.hpp"

namespace hearsay::faults {
namespace {

using namespace std::chrono_literals;

Bed bed() {
  Bed b;
  b.agent = HEARSAY_AGENT_BIN;
  b.log = &std::cerr;  // progress with timestamps: ctest shows it on failure
  return b;
}

std::string seconds(const std::optional<double>& s) {
  return s ? std::to_string(*s) + " s" : std::string("never");
}

constexpr int kNodes = 8;

// Issue 9, 1: every node joins under loss (within 20 s of the last start,
// which the issue asks even at 40 %), and no live node is ever declared dead.
TEST(FaultScenarios, TwentyPercentLossEveryoneJoinsAndNoLiveNodeIsDeclaredDead) {
  REQUIRE_FAULT_BED();
  LossParams p;
  p.nodes = kNodes;
  p.loss = 0.2;
  p.join_limit = 30s;
  p.observe = 20s;
  const auto r = run_loss(bed(), p);
  ASSERT_TRUE(r.join_s.has_value())
      << "not every agent listed every other alive within " << p.join_limit.count() << " s\n"
      << r.timeline;
  EXPECT_LE(*r.join_s, 20.0) << r.timeline;
  EXPECT_EQ(r.false_deaths, 0) << r.false_death_lines << "timeline:\n" << r.timeline;
  EXPECT_EQ(r.min_alive_seen, kNodes) << r.timeline;
  EXPECT_TRUE(r.exits.empty()) << r.exits.front();
  RecordProperty("figures", r.to_json().dump());
}

// Issue 9, 2: each side of a two-way partition declares the other dead; after
// healing every agent lists every one alive with equal digests within 5 s,
// with no operator action.
TEST(FaultScenarios, PartitionEachSideDeclaresTheOtherDeadThenHealsWithin5s) {
  REQUIRE_FAULT_BED();
  PartitionParams p;
  p.nodes = kNodes;
  p.hold = 20s;
  p.detect_limit = std::chrono::duration<double>(lifeguard_bound_s(kNodes));
  p.heal_limit = 20s;
  const auto r = run_partition(bed(), p);
  ASSERT_TRUE(r.join_s.has_value()) << r.timeline;
  ASSERT_TRUE(r.split_detected_s.has_value())
      << "each side did not list the other dead within " << p.detect_limit.count() << " s\n"
      << r.timeline;
  ASSERT_TRUE(r.healed_s.has_value()) << "not healed within " << p.heal_limit.count() << " s:\n"
                                      << r.heal_state << "timeline:\n"
                                      << r.timeline;
  EXPECT_LE(*r.healed_s, 5.0) << "healing took " << seconds(r.healed_s) << "\n" << r.timeline;
  // No node is declared dead by its own side (nor by anyone once healed).
  // Deaths spread by the other side's news just after the heal, refuted
  // within the heal time, are reported (heal_relapses), not asserted: the
  // issue asks for the agreement within 5 s.
  EXPECT_EQ(r.false_deaths, 0) << r.false_death_lines;
  EXPECT_TRUE(r.exits.empty()) << r.exits.front();
  RecordProperty("figures", r.to_json().dump());
}

// Issue 9, 4 (and the crash beside it): a crashed node (connections reset)
// and a stalled one (silent: no RST) both end dead at every live agent within
// Lifeguard's bound; the stalled one, resumed, refutes and rejoins, and within
// 5 s every agent lists it alive (the crashed one dead) with equal digests.
TEST(FaultScenarios, CrashAndStallBothEndDeadThenTheStalledOneRejoinsWithin5s) {
  REQUIRE_FAULT_BED();
  CrashStallParams p;
  p.nodes = kNodes;
  p.crash = 2;
  p.stall = 5;
  p.detect_limit = std::chrono::duration<double>(lifeguard_bound_s(kNodes) + 5);
  p.hold = 10s;  // stays dead a while before it resumes
  p.resume_limit = 20s;
  const auto r = run_crash_stall(bed(), p);
  ASSERT_TRUE(r.join_s.has_value()) << r.timeline;
  ASSERT_TRUE(r.crash_dead_s.has_value()) << "the crashed node is not dead everywhere\n"
                                          << r.timeline;
  ASSERT_TRUE(r.stall_dead_s.has_value()) << "the stalled node is not dead everywhere\n"
                                          << r.timeline;
  EXPECT_LE(*r.crash_dead_s, r.bound_s) << r.timeline;
  EXPECT_LE(*r.stall_dead_s, r.bound_s) << r.timeline;
  ASSERT_TRUE(r.resumed_s.has_value())
      << "no agreement within " << p.resume_limit.count() << " s of the resume:\n"
      << r.resume_state << "timeline:\n"
      << r.timeline;
  EXPECT_LE(*r.resumed_s, 5.0) << "agreement after the resume took " << seconds(r.resumed_s) << "\n"
                               << r.timeline;
  EXPECT_GE(r.refutations, 1) << "the resumed node never refuted its death";
  EXPECT_EQ(r.false_deaths, 0) << r.false_death_lines;
  EXPECT_TRUE(r.exits.empty()) << r.exits.front();
  RecordProperty("figures", r.to_json().dump());
}

}  // namespace
}  // namespace hearsay::faults
