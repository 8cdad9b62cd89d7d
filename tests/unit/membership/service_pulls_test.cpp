// ServicePulls: a service set known only by version is pulled from the peer
// that told us, then from its owner, then left to anti-entropy; and other
// nodes' pulls are answered from the member table.
#include "membership/service_pulls.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "part_fixture.hpp"

namespace hearsay::membership {
namespace {

using namespace fixture;

// b, whose set at version {1, 3} we know only by version.
MemberRecord b_by_version() {
  auto r = record("b", MemberState::alive, {1, 0});
  r.services_version = {1, 3};
  r.services.reset();
  return r;
}

void add_b_by_version(Parts& p) {
  auto b = member("b");
  b.services_version = {1, 3};
  b.services_complete = false;
  p.put(b);
}

TEST(ServicePulls, RequestAsksThePeerThatToldUs) {
  Parts p;
  add_b_by_version(p);
  p.pulls.request(kT0, b_by_version(), "sim://x");
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, "sim://x");
  EXPECT_EQ(sent[0].type(), MessageType::services_pull);
  EXPECT_EQ(sent[0].body<wire::ServicesPull>(), (wire::ServicesPull{"b", {1, 3}}));
  EXPECT_TRUE(sent[0].msg.news.empty());
  EXPECT_EQ(p.pulls.deadline(), kT0 + 1s) << "two probe timeouts";
}

TEST(ServicePulls, SilentPeerThenTheOwnerIsAskedThenAntiEntropyIsLeftToIt) {
  Parts p;
  add_b_by_version(p);
  p.pulls.request(kT0, b_by_version(), "sim://x");
  p.sent();
  p.pulls.tick(kT0 + 1s - 1ns);
  EXPECT_TRUE(p.sent().empty());
  p.pulls.tick(kT0 + 1s);
  const auto sent = p.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, "sim://b") << "the owner itself";
  EXPECT_EQ(sent[0].body<wire::ServicesPull>(), (wire::ServicesPull{"b", {1, 3}}));
  EXPECT_EQ(p.pulls.deadline(), kT0 + 2s);
  p.pulls.tick(kT0 + 2s);
  EXPECT_TRUE(p.sent().empty()) << "asked twice: given up";
  EXPECT_EQ(p.pulls.deadline(), kNever);
}

TEST(ServicePulls, DoneCancelsThePull) {
  Parts p;
  add_b_by_version(p);
  p.pulls.request(kT0, b_by_version(), "sim://x");
  p.sent();
  p.pulls.done("b");
  p.pulls.done("nobody");
  EXPECT_EQ(p.pulls.deadline(), kNever);
  p.pulls.tick(kT0 + 1s);
  EXPECT_TRUE(p.sent().empty());
}

TEST(ServicePulls, OwnerIsNotAskedOnceTheSetArrivedOrTheOwnerIsGone) {
  for (const auto* what : {"complete", "dead", "forgotten"}) {
    SCOPED_TRACE(what);
    Parts p;
    add_b_by_version(p);
    p.pulls.request(kT0, b_by_version(), "sim://x");
    p.sent();
    if (what == std::string("complete")) {
      auto b = *p.ctx.table.find("b");
      b.services_complete = true;  // arrived through anti-entropy, say
      p.put(b);
    } else if (what == std::string("dead")) {
      p.add("b", MemberState::dead);
    } else {
      p.ctx.table.erase("b");
    }
    p.pulls.tick(kT0 + 1s);
    EXPECT_TRUE(p.sent().empty());
    EXPECT_EQ(p.pulls.deadline(), kNever);
  }
}

TEST(ServicePulls, PullIsAnsweredOnlyWithACompleteSetAtLeastThatNew) {
  Parts p;
  auto c = member("c");
  c.services_version = {1, 3};
  c.services = {service("payments", "c1")};
  p.put(c);
  add_b_by_version(p);
  for (const auto& version : {Incarnation{1, 3}, Incarnation{1, 2}}) {
    p.pulls.on_services_pull(p.from("x", wire::ServicesPull{"c", version}));
    const auto records = p.records_sent_to("sim://x");
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].name, "c");
    EXPECT_EQ(records[0].services_version, (Incarnation{1, 3}));
    EXPECT_EQ(records[0].services, c.services);
  }
  p.pulls.on_services_pull(p.from("x", wire::ServicesPull{"c", {1, 4}}));
  EXPECT_TRUE(p.sent().empty()) << "we hold an older set";
  p.pulls.on_services_pull(p.from("x", wire::ServicesPull{"b", {1, 3}}));
  EXPECT_TRUE(p.sent().empty()) << "we know b's set by version only";
  p.pulls.on_services_pull(p.from("x", wire::ServicesPull{"nobody", {1, 0}}));
  EXPECT_TRUE(p.sent().empty());
}

}  // namespace
}  // namespace hearsay::membership
