#include "membership/registry_view.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace hearsay::membership {
namespace {

using S = MemberState;

Service service(const std::string& name, const std::string& id, Health health = Health::passing,
                std::vector<std::string> tags = {}) {
  Service s;
  s.name = name;
  s.id = id;
  s.endpoint = "tcp://10.0.0.1:" + std::to_string(8000 + id.size());
  s.tags = std::move(tags);
  s.health = health;
  return s;
}

Member member(const std::string& name, S state, std::vector<Service> services) {
  Member m;
  m.name = name;
  m.endpoint = "sim://" + name;
  m.incarnation = {1, 1};
  m.state = state;
  m.services = std::move(services);
  return m;
}

// The members behind lookup's instances, sorted.
std::vector<std::string> members_of(const std::vector<Instance>& instances) {
  std::vector<std::string> out;
  for (const auto& i : instances)
    out.push_back(i.member);
  std::sort(out.begin(), out.end());
  return out;
}

using Names = std::vector<std::string>;

TEST(RegistryView, EmptyView) {
  const RegistryView v;
  EXPECT_TRUE(v.lookup("payments").empty());
  EXPECT_TRUE(v.service_names().empty());
  EXPECT_EQ(v.instance_count(), 0u);
  EXPECT_EQ(v.version(), 0u);
}

TEST(RegistryView, InstancesOfAliveAndSuspectMembersAppear) {
  RegistryView v;
  v.on_member_changed(member("a", S::alive, {service("payments", "p1")}));
  v.on_member_changed(member("b", S::suspect, {service("payments", "p2")}));
  const auto found = v.lookup("payments");
  EXPECT_EQ(members_of(found), (Names{"a", "b"}));
  for (const auto& i : found) {
    EXPECT_EQ(i.member_state, i.member == "a" ? S::alive : S::suspect);
    EXPECT_EQ(i.service.name, "payments");
    EXPECT_EQ(i.service.id, i.member == "a" ? "p1" : "p2");
  }
  EXPECT_EQ(v.instance_count(), 2u);
}

TEST(RegistryView, InstancesOfDeadOrLeftMembersDoNotAppear) {
  for (auto state : {S::dead, S::left}) {
    SCOPED_TRACE(to_string(state));
    RegistryView v;
    v.on_member_changed(member("a", state, {service("payments", "p1")}));
    EXPECT_TRUE(v.lookup("payments").empty());
    EXPECT_EQ(v.instance_count(), 0u);
    EXPECT_TRUE(v.service_names().empty());
  }
}

TEST(RegistryView, InstancesVanishWhenTheMemberDiesOrLeaves) {
  for (auto state : {S::dead, S::left}) {
    SCOPED_TRACE(to_string(state));
    RegistryView v;
    v.on_member_changed(member("a", S::alive, {service("payments", "p1")}));
    v.on_member_changed(member("b", S::alive, {service("payments", "p2")}));
    v.on_member_changed(member("a", state, {service("payments", "p1")}));
    EXPECT_EQ(members_of(v.lookup("payments")), Names{"b"});
    // ... and come back when it is alive again.
    v.on_member_changed(member("a", S::alive, {service("payments", "p1")}));
    EXPECT_EQ(members_of(v.lookup("payments")), (Names{"a", "b"}));
  }
}

TEST(RegistryView, InstancesVanishOnErase) {
  RegistryView v;
  v.on_member_changed(member("a", S::alive, {service("payments", "p1"), service("search", "s1")}));
  v.on_member_changed(member("b", S::alive, {service("payments", "p2")}));
  v.on_member_erased("a");
  EXPECT_EQ(members_of(v.lookup("payments")), Names{"b"});
  EXPECT_TRUE(v.lookup("search").empty());
  EXPECT_EQ(v.service_names(), Names{"payments"});
  EXPECT_EQ(v.instance_count(), 1u);
  v.on_member_erased("nobody");  // harmless
  EXPECT_EQ(v.instance_count(), 1u);
}

TEST(RegistryView, ChangedServiceSetReplacesTheOldOne) {
  RegistryView v;
  v.on_member_changed(member("a", S::alive, {service("payments", "p1"), service("search", "s1")}));
  v.on_member_changed(member("a", S::alive, {service("search", "s1"), service("mail", "m1")}));
  EXPECT_TRUE(v.lookup("payments").empty());
  EXPECT_EQ(v.lookup("search").size(), 1u);
  EXPECT_EQ(v.lookup("mail").size(), 1u);
  EXPECT_EQ(v.service_names(), (Names{"mail", "search"}));
  v.on_member_changed(member("a", S::alive, {}));
  EXPECT_EQ(v.instance_count(), 0u);
  EXPECT_TRUE(v.service_names().empty());
}

TEST(RegistryView, LookupFiltersByTag) {
  RegistryView v;
  v.on_member_changed(member("a", S::alive, {service("payments", "p1", Health::passing, {"v2"})}));
  v.on_member_changed(
      member("b", S::alive, {service("payments", "p2", Health::passing, {"v1", "canary"})}));
  v.on_member_changed(
      member("c", S::alive, {service("payments", "p3", Health::passing, {"canary", "v2"})}));
  Query q;
  q.tag = "v2";
  EXPECT_EQ(members_of(v.lookup("payments", q)), (Names{"a", "c"}));
  q.tag = "canary";
  EXPECT_EQ(members_of(v.lookup("payments", q)), (Names{"b", "c"}));
  q.tag = "v3";
  EXPECT_TRUE(v.lookup("payments", q).empty());
  q.tag = "";  // an empty tag matches only an instance that has one
  EXPECT_TRUE(v.lookup("payments", q).empty());
  EXPECT_EQ(v.lookup("payments").size(), 3u) << "no tag: everything";
}

struct HealthCase {
  Health worst;
  Names expected;
};

TEST(RegistryView, LookupFiltersByWorstHealth) {
  RegistryView v;
  v.on_member_changed(member("ok", S::alive, {service("payments", "p1", Health::passing)}));
  v.on_member_changed(member("meh", S::alive, {service("payments", "p2", Health::warning)}));
  v.on_member_changed(member("bad", S::alive, {service("payments", "p3", Health::critical)}));
  EXPECT_EQ(members_of(v.lookup("payments")), (Names{"meh", "ok"}))
      << "default: passing and warning, not critical";
  for (const auto& c : std::vector<HealthCase>{{Health::passing, {"ok"}},
                                               {Health::warning, {"meh", "ok"}},
                                               {Health::critical, {"bad", "meh", "ok"}}}) {
    Query q;
    q.worst_health = c.worst;
    EXPECT_EQ(members_of(v.lookup("payments", q)), c.expected) << to_string(c.worst);
  }
  // The view holds every instance; only lookups filter.
  EXPECT_EQ(v.instance_count(), 3u);
}

TEST(RegistryView, LookupCanExcludeSuspects) {
  RegistryView v;
  v.on_member_changed(member("a", S::alive, {service("payments", "p1")}));
  v.on_member_changed(member("b", S::suspect, {service("payments", "p2")}));
  Query q;
  EXPECT_TRUE(q.include_suspect) << "suspects are included by default";
  q.include_suspect = false;
  EXPECT_EQ(members_of(v.lookup("payments", q)), Names{"a"});
}

TEST(RegistryView, FiltersCombine) {
  RegistryView v;
  v.on_member_changed(
      member("a", S::suspect, {service("payments", "p1", Health::passing, {"v2"})}));
  v.on_member_changed(member("b", S::alive, {service("payments", "p2", Health::critical, {"v2"})}));
  v.on_member_changed(member("c", S::alive, {service("payments", "p3", Health::warning, {"v2"})}));
  v.on_member_changed(member("d", S::alive, {service("payments", "p4", Health::passing, {"v1"})}));
  Query q;
  q.tag = "v2";
  q.include_suspect = false;
  EXPECT_EQ(members_of(v.lookup("payments", q)), Names{"c"});
}

TEST(RegistryView, VersionRisesOnEveryChange) {
  RegistryView v;
  std::uint64_t last = v.version();
  auto rose = [&] {
    const bool up = v.version() > last;
    last = v.version();
    return up;
  };
  v.on_member_changed(member("a", S::alive, {service("payments", "p1")}));
  EXPECT_TRUE(rose()) << "added";
  v.on_member_changed(member("a", S::alive, {service("payments", "p1", Health::warning)}));
  EXPECT_TRUE(rose()) << "health changed";
  v.on_member_changed(member("a", S::suspect, {service("payments", "p1")}));
  EXPECT_TRUE(rose()) << "suspected";
  v.on_member_changed(member("b", S::alive, {}));
  EXPECT_TRUE(rose()) << "a member without services";
  v.on_member_changed(member("a", S::dead, {service("payments", "p1")}));
  EXPECT_TRUE(rose()) << "dead";
  v.on_member_erased("a");
  EXPECT_TRUE(rose()) << "erased";
}

TEST(RegistryView, ServiceNamesAreSortedAndUnique) {
  RegistryView v;
  v.on_member_changed(member("a", S::alive, {service("search", "s1"), service("payments", "p1")}));
  v.on_member_changed(member("b", S::alive, {service("payments", "p2"), service("auth", "x1")}));
  EXPECT_EQ(v.service_names(), (Names{"auth", "payments", "search"}));
  EXPECT_EQ(v.instance_count(), 4u);
}

TEST(RegistryView, TwoServicesOfOneNameOnOneMemberAreTwoInstances) {
  RegistryView v;
  v.on_member_changed(
      member("a", S::alive, {service("payments", "p1"), service("payments", "p2-long")}));
  const auto found = v.lookup("payments");
  ASSERT_EQ(found.size(), 2u);
  std::vector<std::string> ids = {found[0].service.id, found[1].service.id};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (Names{"p1", "p2-long"}));
  EXPECT_EQ(found[0].member, "a");
  EXPECT_EQ(found[1].member, "a");
  EXPECT_EQ(v.instance_count(), 2u);
  EXPECT_EQ(v.service_names(), Names{"payments"});
  // Both vanish together.
  v.on_member_changed(member("a", S::left, {}));
  EXPECT_TRUE(v.lookup("payments").empty());
  EXPECT_EQ(v.instance_count(), 0u);
}

TEST(RegistryView, InstanceCarriesTheWholeRecord) {
  RegistryView v;
  auto s = service("payments", "p1", Health::warning, {"v2", "eu"});
  s.meta = {{"zone", "a"}};
  s.weight = 7;
  v.on_member_changed(member("a", S::alive, {s}));
  const auto found = v.lookup("payments");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], (Instance{"a", S::alive, s, std::nullopt}));
}

}  // namespace
}  // namespace hearsay::membership
