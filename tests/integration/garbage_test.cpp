// Garbage at the socket: bytes sent straight to a node's bound endpoint by a
// raw ZeroMQ socket. The node keeps running, counts each drop by reason, and
// its registry and member list stay as they were.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>
#include <zmq.hpp>

#include "hearsay/node.hpp"
#include "membership/rng.hpp"
#include "membership/wire/codec.hpp"
#include "tests/integration/wait_until.hpp"

namespace hearsay {
namespace {

using namespace std::chrono_literals;

using hearsay::testing::wait_until;

Config config(const std::string& name) {
  auto c = Config::local();
  c.name = name;
  c.bind = "tcp://127.0.0.1:0";
  c.max_message_bytes = 256u << 10;
  c.max_services_bytes = 64u << 10;
  return c;
}

membership::wire::Bytes valid_ping(const std::string& cluster, const std::string& target) {
  membership::wire::Message m;
  m.header = {
      cluster, membership::wire::MessageType::ping, 7, "intruder", "tcp://127.0.0.1:1", {1, 0}, 0};
  m.body = membership::wire::Ping{target};
  return membership::wire::encode(m);
}

std::uint64_t dropped(const Node& n, const std::string& reason) {
  const auto s = n.stats();
  auto it = s.dropped.find(reason);
  return it == s.dropped.end() ? 0 : it->second;
}

TEST(Garbage, NodeSurvivesAndCountsEveryDropByReason) {
  auto ca = config("a");
  Node a(ca);
  auto cb = config("b");
  cb.seeds = {a.endpoint()};
  Node b(cb);
  Service s;
  s.name = "web";
  s.id = "web-b";
  s.endpoint = "http://127.0.0.1:80";
  b.advertise(s);
  ASSERT_TRUE(wait_until([&] { return a.registry().lookup("web").size() == 1; }, 10s));
  const auto members_before = a.members();
  const auto registry_before = a.registry().lookup("web");

  zmq::context_t ctx;
  zmq::socket_t push(ctx, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 0);
  push.connect(a.endpoint());
  const auto send = [&](const membership::wire::Bytes& bytes) {
    push.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
  };

  membership::Rng rng(42);
  for (int i = 0; i < 200; ++i) {  // random bytes
    membership::wire::Bytes junk(1 + rng.uniform(300));
    for (auto& byte : junk)
      byte = static_cast<std::uint8_t>(rng.next());
    send(junk);
  }
  const auto ping = valid_ping("default", "a");
  for (std::size_t cut = 1; cut < ping.size(); ++cut)  // truncated
    send(membership::wire::Bytes(ping.begin(), ping.begin() + static_cast<std::ptrdiff_t>(cut)));
  send(valid_ping("another-cluster", "a"));                                       // foreign
  send(membership::wire::Bytes{0x93, 0x01, 0x02, 0x03});                          // wrong shape
  send(membership::wire::Bytes{0x92, 0xce, 0x48, 0x53, 0x41, 0x59, 0xa1, 0x78});  // magic then junk

  EXPECT_TRUE(wait_until([&] { return dropped(a, "foreign_cluster") >= 1; }, 5s));
  EXPECT_TRUE(
      wait_until([&] { return dropped(a, "truncated") + dropped(a, "malformed") >= 50; }, 5s));
  EXPECT_GE(dropped(a, "bad_magic"), 1u);

  // Oversized: ZeroMQ refuses the frame (ZMQ_MAXMSGSIZE) and drops that
  // connection; the node never sees it.
  zmq::socket_t big(ctx, zmq::socket_type::push);
  big.set(zmq::sockopt::linger, 0);
  big.connect(a.endpoint());
  std::vector<std::uint8_t> huge(1u << 20, 0x90);
  big.send(zmq::buffer(huge), zmq::send_flags::none);

  // Still alive and serving: b still sees a, a new advertisement still spreads.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(a.registry().lookup("web"), registry_before);
  EXPECT_EQ(a.members().size(), members_before.size());
  Service s2 = s;
  s2.id = "web-b2";
  b.advertise(s2);
  EXPECT_TRUE(wait_until([&] { return a.registry().lookup("web").size() == 2; }, 10s));
  for (const auto& m : b.members())
    EXPECT_EQ(m.state, MemberState::alive) << m.name;
}

}  // namespace
}  // namespace hearsay
