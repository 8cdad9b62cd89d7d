// Snapshots: what the node thread publishes for lock-free reads. publish_view
// turns a core fed by hand (tests/unit/gossip/fed_core.hpp) into a registry
// of every instance, ordered, versioned like the core's, with measured
// round-trip times, and a member list; it hands back the snapshot it
// replaced. Digest and stats are published as given.
#include "gossip/snapshots.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/unit/gossip/fed_core.hpp"

namespace hearsay::gossip {
namespace {

using namespace std::chrono_literals;
using fed::claim;
using fed::service;
using membership::Core;

// "member/id health" per instance, in the snapshot's order.
std::vector<std::string> described(const std::vector<Instance>& list) {
  std::vector<std::string> out;
  for (const auto& i : list)
    out.push_back(i.member + "/" + i.service.id + " " + std::string(to_string(i.service.health)));
  return out;
}

using Lines = std::vector<std::string>;

// a advertises web-2 (critical) then web-1; c (told first) and b run web,
// d (suspect) runs web and db.
void advertise_everywhere(Core& core) {
  const auto now = fed::kT0;
  core.advertise(now, service("web", "web-2", Health::critical));
  core.advertise(now, service("web", "web-1"));
  fed::tell(core, now, {claim("c", MemberState::alive, 0, {service("web", "web-1")})});
  fed::tell(core, now,
            {claim("b", MemberState::alive, 0,
                   {service("web", "web-9", Health::warning), service("web", "web-3")}),
             claim("d", MemberState::alive, 0, {service("web", "web-1"), service("db", "db-1")})});
  fed::tell(core, now, {claim("d", MemberState::suspect)});
}

TEST(Snapshots, EmptyUntilTheFirstPublish) {
  Snapshots snapshots;
  EXPECT_EQ(snapshots.registry(), nullptr);
  EXPECT_EQ(snapshots.members(), nullptr);
  EXPECT_EQ(snapshots.stats(), nullptr);
  EXPECT_EQ(snapshots.digest(), 0u);
}

TEST(Snapshots, RegistryHoldsEveryInstanceOfEveryHealthAndMemberState) {
  Core core(ProtocolParams::lan(), {"a", "sim://a", 1}, 7, fed::kT0);
  advertise_everywhere(core);
  Snapshots snapshots;
  snapshots.publish_view(core);
  const auto data = snapshots.registry();
  ASSERT_NE(data, nullptr);
  ASSERT_EQ(data->by_name.size(), 2u);
  auto web = described(data->by_name.at("web"));
  std::sort(web.begin(), web.end());
  EXPECT_EQ(web, (Lines{"a/web-1 passing", "a/web-2 critical", "b/web-3 passing", "b/web-9 warning",
                        "c/web-1 passing", "d/web-1 passing"}));
  EXPECT_EQ(described(data->by_name.at("db")), Lines{"d/db-1 passing"});
  EXPECT_EQ(data->by_name.at("db")[0].member_state, MemberState::suspect);
  // Whole records, as advertised.
  const Instance b3{"b", MemberState::alive, service("web", "web-3"), std::nullopt};
  const auto& list = data->by_name.at("web");
  EXPECT_NE(std::find(list.begin(), list.end(), b3), list.end());
}

// The order RegistryData promises (gossip/registry_data.hpp): Registry::pick
// takes the snapshot's order as it is (round robin goes round in it), and
// lookup sorts only if it is not. a and b advertise ids out of order, and c
// is heard of before b.
TEST(Snapshots, InstancesAreOrderedByMemberThenId) {
  Core core(ProtocolParams::lan(), {"a", "sim://a", 1}, 7, fed::kT0);
  advertise_everywhere(core);
  Snapshots snapshots;
  snapshots.publish_view(core);
  EXPECT_EQ(described(snapshots.registry()->by_name.at("web")),
            (Lines{"a/web-1 passing", "a/web-2 critical", "b/web-3 passing", "b/web-9 warning",
                   "c/web-1 passing", "d/web-1 passing"}));
}

TEST(Snapshots, RegistryVersionIsTheCoresRegistryVersion) {
  Core core(ProtocolParams::lan(), {"a", "sim://a", 1}, 7, fed::kT0);
  advertise_everywhere(core);
  Snapshots snapshots;
  snapshots.publish_view(core);
  ASSERT_GT(core.registry().version(), 1u);
  EXPECT_EQ(snapshots.registry()->version, core.registry().version());
  core.advertise(fed::kT0, service("web", "web-4"));
  snapshots.publish_view(core);
  EXPECT_EQ(snapshots.registry()->version, core.registry().version());
}

TEST(Snapshots, InstancesCarryTheMeasuredRoundTripTimeOfTheirMember) {
  Core core(ProtocolParams::lan(), {"a", "sim://a", 1}, 7, fed::kT0);
  core.advertise(fed::kT0, service("web", "web-1"));
  fed::tell(core, fed::kT0, {claim("b", MemberState::alive, 0, {service("web", "web-1")})});
  auto now = fed::kT0;
  ASSERT_EQ(fed::ack_next_ping(core, now, 3ms), "b");
  ASSERT_TRUE(core.rtt("b"));
  Snapshots snapshots;
  snapshots.publish_view(core);
  const auto& web = snapshots.registry()->by_name.at("web");
  ASSERT_EQ(web.size(), 2u);
  EXPECT_EQ(web[0].member, "a");
  EXPECT_FALSE(web[0].rtt) << "nobody measures the way to itself";
  EXPECT_EQ(web[1].member, "b");
  ASSERT_TRUE(web[1].rtt);
  EXPECT_EQ(*web[1].rtt, std::chrono::duration_cast<std::chrono::microseconds>(*core.rtt("b")));
  EXPECT_GT(*web[1].rtt, 0us);
}

TEST(Snapshots, MemberListNamesEveryMemberWithItsStateAndServiceCount) {
  Core core(ProtocolParams::lan(), {"a", "sim://a", 1}, 7, fed::kT0);
  advertise_everywhere(core);
  fed::tell(core, fed::kT0, {claim("e", MemberState::alive)});
  fed::tell(core, fed::kT0, {claim("e", MemberState::left)});
  Snapshots snapshots;
  snapshots.publish_view(core);
  const auto members = snapshots.members();
  ASSERT_NE(members, nullptr);
  Lines listed;
  for (const auto& m : *members)
    listed.push_back(m.name + " " + m.endpoint + " " + std::string(to_string(m.state)) + " " +
                     std::to_string(m.services));
  EXPECT_EQ(listed, (Lines{"a sim://a alive 2", "b sim://b alive 2", "c sim://c alive 1",
                           "d sim://d suspect 2", "e sim://e left 0"}));
}

TEST(Snapshots, PublishViewReturnsTheSnapshotItReplaced) {
  Core core(ProtocolParams::lan(), {"a", "sim://a", 1}, 7, fed::kT0);
  Snapshots snapshots;
  EXPECT_EQ(snapshots.publish_view(core), nullptr);
  const auto first = snapshots.registry();
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(first->by_name.empty());
  core.advertise(fed::kT0, service("web", "web-1"));
  EXPECT_EQ(snapshots.publish_view(core).get(), first.get());
  const auto second = snapshots.registry();
  EXPECT_NE(second.get(), first.get());
  EXPECT_EQ(second->by_name.at("web").size(), 1u);
  // Readers holding the old snapshot still see it unchanged.
  EXPECT_TRUE(first->by_name.empty());
  EXPECT_EQ(snapshots.publish_view(core).get(), second.get());
}

TEST(Snapshots, DigestAndStatsArePublishedAsGiven) {
  Snapshots snapshots;
  snapshots.publish_digest(0x1234abcdULL);
  EXPECT_EQ(snapshots.digest(), 0x1234abcdULL);
  auto stats = std::make_shared<Stats>();
  stats->probes = 9;
  snapshots.publish_stats(stats);
  EXPECT_EQ(snapshots.stats(), stats);
  EXPECT_EQ(snapshots.stats()->probes, 9u);
}

}  // namespace
}  // namespace hearsay::gossip
