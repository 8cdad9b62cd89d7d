#include "hearsay/config.hpp"

#include <gtest/gtest.h>

#include "hearsay/errors.hpp"

namespace hearsay {
using std::chrono::milliseconds;

namespace {

Config valid() {
  auto c = Config::lan();
  c.name = "n1";
  c.bind = "tcp://127.0.0.1:7946";
  return c;
}

std::string field_of(const Config& c) {
  try {
    c.validate();
  } catch (const ConfigError& e) {
    return e.field();
  }
  return "";
}

TEST(Config, ProfilesAreValid) {
  for (auto c : {Config::lan(), Config::wan(), Config::local()}) {
    c.name = "x";
    c.bind = "ipc:///tmp/x";
    EXPECT_NO_THROW(c.validate());
  }
}

TEST(Config, LanMatchesMemberlist) {
  const auto c = Config::lan();
  EXPECT_EQ(c.probe_interval.count(), 1000);
  EXPECT_EQ(c.probe_timeout.count(), 500);
  EXPECT_EQ(c.gossip_interval.count(), 200);
  EXPECT_EQ(c.gossip_fanout, 3);
  EXPECT_EQ(c.indirect_checks, 3);
  EXPECT_EQ(c.suspicion_mult, 4);
  EXPECT_EQ(c.suspicion_max_timeout_mult, 6);
  EXPECT_EQ(c.retransmit_mult, 4);
  EXPECT_EQ(c.awareness_max, 8);
  EXPECT_EQ(c.sync_interval.count(), 30000);
}

TEST(Config, ErrorsNameTheField) {
  struct Case {
    const char* field;
    void (*mutate)(Config&);
  };
  const Case cases[] = {
      {"name", [](Config& c) { c.name.clear(); }},
      {"bind", [](Config& c) { c.bind = "localhost:80"; }},
      {"advertise", [](Config& c) { c.advertise = "http://x"; }},
      {"seeds", [](Config& c) { c.seeds = {"tcp://"}; }},
      {"probe_interval", [](Config& c) { c.probe_interval = milliseconds{0}; }},
      {"probe_timeout", [](Config& c) { c.probe_timeout = c.probe_interval; }},
      {"indirect_checks", [](Config& c) { c.indirect_checks = -1; }},
      {"suspicion_mult", [](Config& c) { c.suspicion_mult = 0; }},
      {"gossip_fanout", [](Config& c) { c.gossip_fanout = 0; }},
      {"retransmit_mult", [](Config& c) { c.retransmit_mult = 0; }},
      {"payload_budget_bytes", [](Config& c) { c.payload_budget_bytes = 10; }},
      {"max_services_bytes", [](Config& c) { c.max_services_bytes = c.max_message_bytes; }},
      {"tombstone_timeout", [](Config& c) { c.tombstone_timeout = milliseconds{1}; }},
  };
  for (const auto& k : cases) {
    auto c = valid();
    k.mutate(c);
    EXPECT_EQ(field_of(c), k.field);
  }
}

TEST(Config, MessageSaysWhy) {
  auto c = valid();
  c.bind = "nonsense";
  try {
    c.validate();
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bind: 'nonsense' is not an endpoint"), std::string::npos)
        << e.what();
  }
}

TEST(Config, ProtocolParamsNeedNoIdentity) {
  const auto c = Config::lan();
  EXPECT_NO_THROW(static_cast<const ProtocolParams&>(c).validate());
  EXPECT_THROW(c.validate(), ConfigError);  // a node needs a name and a bind endpoint
}

TEST(Config, OnlyTcpAndIpcEndpoints) {
  // sim:// belongs to the simulator and inproc:// cannot cross nodes (each
  // node has its own ZeroMQ context): a node refuses both.
  for (const char* e : {"sim://n0", "inproc://x", "udp://127.0.0.1:1"}) {
    auto c = valid();
    c.bind = e;
    EXPECT_EQ(field_of(c), "bind") << e;
  }
  auto c = valid();
  c.bind = "ipc:///tmp/hearsay-test.sock";
  EXPECT_EQ(field_of(c), "");
}

TEST(Config, InitialServicesAreCheckedAsASet) {
  auto c = valid();
  c.services = {{.name = "web", .id = "web-1", .endpoint = "http://a"},
                {.name = "web", .id = "web-2", .endpoint = "http://b"}};
  EXPECT_NO_THROW(c.validate());

  c.services.push_back({.name = "api", .id = "web-1", .endpoint = "http://c"});
  try {
    c.validate();
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "services");
    EXPECT_NE(std::string(e.what()).find("duplicate service id 'web-1'"), std::string::npos)
        << e.what();
  }

  c.services = {{.name = "", .id = "x", .endpoint = "http://c"}};
  EXPECT_EQ(field_of(c), "service.name");

  c.services.clear();
  c.max_services = 2;
  for (int i = 0; i < 3; ++i)
    c.services.push_back({.name = "web", .id = "w" + std::to_string(i), .endpoint = "http://a"});
  EXPECT_EQ(field_of(c), "services");
}

}  // namespace
}  // namespace hearsay
