// Watches and service_changes: which events a registry change makes, and who
// hears them — in registration order, a throwing callback counted without
// stopping the others, nothing after remove(), each service's watches only
// its own changes.
#include "gossip/watches.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace hearsay::gossip {
namespace {

Instance instance(std::string member, std::string id, std::string service = "payments") {
  Instance i;
  i.member = std::move(member);
  i.service.name = std::move(service);
  i.service.id = std::move(id);
  i.service.endpoint = "tcp://" + i.member + ":80";
  return i;
}

// "added a/p1" etc., in the order service_changes returns them.
std::vector<std::string> described(const std::vector<ServiceEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    out.push_back(std::string(to_string(e.type)) + " " + e.instance.member + "/" +
                  e.instance.service.id);
  return out;
}

using Lines = std::vector<std::string>;

// --- service_changes -----------------------------------------------------------

TEST(ServiceChanges, NothingBeforeMeansEveryInstanceIsAdded) {
  const std::vector<Instance> after{instance("a", "p1"), instance("b", "p1")};
  const auto events = service_changes(nullptr, &after);
  EXPECT_EQ(described(events), (Lines{"added a/p1", "added b/p1"}));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].instance, after[0]);
}

TEST(ServiceChanges, NothingAfterMeansEveryInstanceIsRemovedWithItsLastState) {
  std::vector<Instance> before{instance("a", "p1"), instance("b", "p1")};
  before[1].service.health = Health::warning;
  const auto events = service_changes(&before, nullptr);
  EXPECT_EQ(described(events), (Lines{"removed a/p1", "removed b/p1"}));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].instance, before[1]);
}

TEST(ServiceChanges, NothingOnEitherSideMeansNoEvents) {
  const std::vector<Instance> empty;
  EXPECT_TRUE(service_changes(nullptr, nullptr).empty());
  EXPECT_TRUE(service_changes(&empty, nullptr).empty());
  EXPECT_TRUE(service_changes(nullptr, &empty).empty());
}

TEST(ServiceChanges, UnchangedInstancesMakeNoEventsInAnyOrder) {
  const std::vector<Instance> before{instance("a", "p1"), instance("b", "p1")};
  const std::vector<Instance> after{before[1], before[0]};
  EXPECT_TRUE(service_changes(&before, &after).empty());
}

TEST(ServiceChanges, EveryFieldOfTheRecordChangedIsAnUpdateCarryingTheNewState) {
  const std::vector<Instance> before{instance("a", "p1")};
  std::vector<std::vector<Instance>> changed(5, before);
  changed[0][0].service.health = Health::critical;
  changed[1][0].service.endpoint = "tcp://elsewhere:81";
  changed[2][0].service.tags = {"v2"};
  changed[3][0].service.meta = {{"zone", "b"}};
  changed[4][0].service.weight = 7;
  for (const auto& after : changed) {
    const auto events = service_changes(&before, &after);
    EXPECT_EQ(described(events), Lines{"updated a/p1"});
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].instance, after[0]);
  }
}

TEST(ServiceChanges, MemberStateChangedIsAnUpdate) {
  const std::vector<Instance> before{instance("a", "p1")};
  auto after = before;
  after[0].member_state = MemberState::suspect;
  const auto events = service_changes(&before, &after);
  EXPECT_EQ(described(events), Lines{"updated a/p1"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].instance.member_state, MemberState::suspect);
}

// The round-trip time is measured on every probe: not a change of the instance.
TEST(ServiceChanges, RoundTripTimeAloneIsNoUpdate) {
  const std::vector<Instance> before{instance("a", "p1")};
  auto after = before;
  after[0].rtt = std::chrono::microseconds(250);
  EXPECT_TRUE(service_changes(&before, &after).empty());
}

TEST(ServiceChanges, InstancesAreKeyedByMemberAndId) {
  // The same id on another member, and another id on the same member, are
  // other instances: one goes, the other comes.
  const std::vector<Instance> before{instance("a", "p1"), instance("b", "p1")};
  const std::vector<Instance> after{instance("a", "p2"), instance("c", "p1")};
  EXPECT_EQ(described(service_changes(&before, &after)),
            (Lines{"added a/p2", "added c/p1", "removed a/p1", "removed b/p1"}));
}

// --- Watches ---------------------------------------------------------------------

detail::RegistryData registry(std::map<std::string, std::vector<Instance>> by_name) {
  detail::RegistryData d;
  for (auto& [name, list] : by_name)
    d.by_name[name] = std::move(list);
  return d;
}

TEST(Watches, MemberEventsReachEveryWatchInRegistrationOrder) {
  Watches w;
  Lines heard;
  for (const std::string who : {"first", "second", "third"})
    w.add_members([&heard, who](const MemberEvent& e) { heard.push_back(who + " " + e.name); });
  w.deliver({{MemberEventType::join, "x", "sim://x"}, {MemberEventType::dead, "y", "sim://y"}});
  EXPECT_EQ(heard, (Lines{"first x", "second x", "third x", "first y", "second y", "third y"}));
}

TEST(Watches, ServiceEventsReachEveryWatchInRegistrationOrder) {
  Watches w;
  Lines heard;
  for (const std::string who : {"first", "second", "third"})
    w.add_service("payments", [&heard, who](const ServiceEvent& e) {
      heard.push_back(who + " " + e.instance.member);
    });
  w.deliver_changes(nullptr, registry({{"payments", {instance("a", "p1")}}}));
  EXPECT_EQ(heard, (Lines{"first a", "second a", "third a"}));
}

TEST(Watches, ThrowingCallbackIsCountedAndTheOthersStillRun) {
  Watches w;
  Lines heard;
  w.add_members([](const MemberEvent&) { throw std::runtime_error("member watch"); });
  w.add_members([&](const MemberEvent& e) { heard.push_back("member " + e.name); });
  w.add_service("payments", [](const ServiceEvent&) { throw 42; });  // not even an exception
  w.add_service("payments",
                [&](const ServiceEvent& e) { heard.push_back("service " + e.instance.member); });

  EXPECT_NO_THROW(w.deliver({{MemberEventType::join, "x", "sim://x"}}));
  EXPECT_EQ(w.callback_errors(), 1u);
  EXPECT_NO_THROW(w.deliver_changes(
      nullptr, registry({{"payments", {instance("a", "p1"), instance("b", "p1")}}})));
  EXPECT_EQ(w.callback_errors(), 3u);  // once per event
  EXPECT_EQ(heard, (Lines{"member x", "service a", "service b"}));
}

TEST(Watches, RemovedWatchHearsNothingMore) {
  Watches w;
  int members = 0;
  int services = 0;
  const auto m = w.add_members([&](const MemberEvent&) { ++members; });
  const auto s = w.add_service("payments", [&](const ServiceEvent&) { ++services; });
  EXPECT_NE(m, s);
  const auto one = registry({{"payments", {instance("a", "p1")}}});
  w.deliver({{MemberEventType::join, "x", "sim://x"}});
  w.deliver_changes(nullptr, one);
  ASSERT_EQ(members, 1);
  ASSERT_EQ(services, 1);

  w.remove(m);
  w.remove(s);
  w.remove(s);      // twice: no-op
  w.remove(99999);  // never issued: no-op
  w.deliver({{MemberEventType::join, "y", "sim://y"}});
  w.deliver_changes(&one, registry({}));
  EXPECT_EQ(members, 1);
  EXPECT_EQ(services, 1);
}

TEST(Watches, ChangesReachOnlyTheWatchesOfTheServiceThatChanged) {
  Watches w;
  Lines heard;
  for (const std::string service : {"payments", "orders", "ghost"})
    w.add_service(service, [&heard, service](const ServiceEvent& e) {
      heard.push_back(service + ": " + std::string(to_string(e.type)) + " " + e.instance.member);
    });
  const auto before =
      registry({{"payments", {instance("a", "p1")}}, {"orders", {instance("a", "o1", "orders")}}});
  auto after = before;
  after.by_name["payments"].push_back(instance("b", "p1"));
  w.deliver_changes(&before, after);
  EXPECT_EQ(heard, Lines{"payments: added b"});
}

// Delivery runs outside the lock, so a callback may add and remove watches.
TEST(Watches, CallbackMayAddAndRemoveWatches) {
  Watches w;
  int later = 0;
  std::uint64_t self = 0;
  self = w.add_members([&](const MemberEvent&) {
    w.remove(self);
    w.add_members([&](const MemberEvent&) { ++later; });
  });
  w.deliver({{MemberEventType::join, "x", "sim://x"}});
  EXPECT_EQ(later, 0);  // added during delivery: from the next delivery on
  w.deliver({{MemberEventType::join, "y", "sim://y"}});
  EXPECT_EQ(later, 1);
}

}  // namespace
}  // namespace hearsay::gossip
