// Garbage at the socket: bytes sent straight to a node's bound endpoint by a
// raw ZeroMQ socket. The node keeps running, counts every drop under its
// reason (Node::stats().dropped), and its registry and member list stay as
// they were.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "hearsay/node.hpp"
#include "membership/rng.hpp"
#include "membership/wire/codec.hpp"
#include "tests/support/wait.hpp"

namespace hearsay {
namespace {

using namespace std::chrono_literals;
using membership::wire::Bytes;
using test_support::wait_until;

using Drops = std::map<std::string, std::uint64_t>;

Config config(const std::string& name) {
  auto c = Config::local();
  c.name = name;
  c.bind = "tcp://127.0.0.1:0";
  c.max_message_bytes = 256u << 10;
  c.max_services_bytes = 64u << 10;
  return c;
}

Bytes ping(const std::string& cluster, const std::string& sender, const std::string& target) {
  membership::wire::Message m;
  m.header = {cluster, membership::wire::MessageType::ping, 7, sender, "tcp://127.0.0.1:1", {1, 0},
              0};
  m.body = membership::wire::Ping{target};
  return membership::wire::encode(m);
}

// Where single fields sit in ping("default", ...) (codec.hpp draws the
// layout): [0] the array header, [1..5] the magic, [6] the version, [7..14]
// the cluster id, [15] the type, [16] the seq.
constexpr std::size_t kMagicEnd = 5, kVersion = 6, kType = 15, kSeq = 16;

// `bytes` with byte `at` replaced by `value`.
Bytes with(Bytes bytes, std::size_t at, std::uint8_t value) {
  bytes.at(at) = value;
  return bytes;
}

// One crafted message and the reason the node must drop it for.
struct Garbage {
  const char* what;
  Bytes bytes;
  const char* reason;
};

// A message for every reason bytes from a socket can be dropped for (the
// truncations come on top: every proper prefix of a ping).
std::vector<Garbage> one_of_each_reason() {
  const auto good = ping("default", "intruder", "a");
  auto trailing = good;
  trailing.push_back(0x00);
  return {
      {"a never-used msgpack byte", {0xc1}, "malformed"},
      {"a ping and a trailing byte", trailing, "malformed"},
      {"a 3-array of small ints", {0x93, 0x01, 0x02, 0x03}, "bad_magic"},
      {"a ping with one magic bit flipped",
       with(good, kMagicEnd, static_cast<std::uint8_t>(good[kMagicEnd] ^ 1u)), "bad_magic"},
      {"a ping of protocol version 2", with(good, kVersion, 0x02), "bad_version"},
      {"a ping of another cluster", ping("another-cluster", "intruder", "a"), "foreign_cluster"},
      {"the magic, then a string as version",
       {0x92, 0xce, 0x48, 0x53, 0x41, 0x59, 0xa1, 0x78},
       "wrong_type"},
      {"a ping with a 100 KB target (strings stop at 64 KiB)",
       ping("default", "intruder", std::string(100'000, 't')), "oversized"},
      {"a ping of message type 99", with(good, kType, 99), "unknown_type"},
      {"a ping with seq -1", with(good, kSeq, 0xff), "invalid_value"},
      {"a valid ping claiming to come from the node itself", ping("default", "a", "a"),
       "unexpected"},
  };
}

Drops drops_since(const Node& n, const Drops& before) {
  Drops out;
  for (const auto& [reason, count] : n.stats().dropped) {
    const auto it = before.find(reason);
    const auto delta = count - (it == before.end() ? 0 : it->second);
    if (delta != 0) out[reason] = delta;
  }
  return out;
}

// `unexpected` aside: the live peer's traffic can add to it (an ack arriving
// after its probe timed out), so it must be at least the count sent there.
bool counted(const Drops& got, const Drops& sent) {
  auto rest = got;
  const auto unexpected = rest["unexpected"];
  rest.erase("unexpected");
  auto want = sent;
  const auto want_unexpected = want["unexpected"];
  want.erase("unexpected");
  return rest == want && unexpected >= want_unexpected;
}

std::string text(const Drops& d) {
  std::string s;
  for (const auto& [reason, count] : d)
    s += reason + "=" + std::to_string(count) + " ";
  return s;
}

std::vector<std::string> names(const std::vector<MemberInfo>& members) {
  std::vector<std::string> out;
  for (const auto& m : members)
    out.push_back(m.name + " " + m.endpoint);
  return out;
}

// Sees the pushing socket lose its connection (ZeroMQ on the node's side
// closes it on a frame over ZMQ_MAXMSGSIZE).
class DisconnectMonitor : public zmq::monitor_t {
 public:
  void on_event_disconnected(const zmq_event_t&, const char*) override { disconnected = true; }
  bool disconnected = false;
};

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
  const auto members_before = names(a.members());
  const auto registry_before = a.registry().lookup("web");

  zmq::context_t ctx;
  zmq::socket_t push(ctx, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 0);
  push.connect(a.endpoint());
  const auto send = [&](const Bytes& bytes) {
    push.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
  };

  // Random bytes: each is dropped for some reason (which one is the codec's
  // business, tested in its unit tests), none can pass for a message.
  const auto before_junk = a.stats().dropped;
  constexpr std::uint64_t kJunk = 200;
  membership::Rng rng(42);
  for (std::uint64_t i = 0; i < kJunk; ++i) {
    Bytes junk(1 + rng.uniform(300));
    for (auto& byte : junk)
      byte = static_cast<std::uint8_t>(rng.next());
    send(junk);
  }
  const auto junk_counted = [&] {
    auto d = drops_since(a, before_junk);
    d.erase("unexpected");  // see counted()
    std::uint64_t total = 0;
    for (const auto& [reason, count] : d)
      total += count;
    return total;
  };
  EXPECT_TRUE(wait_until([&] { return junk_counted() >= kJunk; }, 10s));
  EXPECT_EQ(junk_counted(), kJunk) << text(drops_since(a, before_junk));

  // One message for every reason, each counted under the reason it names.
  const auto good = ping("default", "intruder", "a");
  ASSERT_TRUE(membership::wire::decode(good, "default").ok());
  ASSERT_EQ(good[kVersion], 0x01) << "the ping's layout changed; fix the offsets";
  ASSERT_EQ(good[kType], 0x01) << "the ping's layout changed; fix the offsets";
  ASSERT_EQ(good[kSeq], 0x07) << "the ping's layout changed; fix the offsets";
  const auto before = a.stats().dropped;
  Drops sent;
  for (std::size_t cut = 1; cut < good.size(); ++cut) {
    send(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut)));
    ++sent["truncated"];
  }
  for (const auto& g : one_of_each_reason()) {
    send(g.bytes);
    ++sent[g.reason];
  }
  EXPECT_TRUE(wait_until([&] { return counted(drops_since(a, before), sent); }, 10s))
      << "sent:    " << text(sent) << "\ncounted: " << text(drops_since(a, before));

  // Oversized for ZeroMQ (ZMQ_MAXMSGSIZE): it closes that connection, and
  // the node never sees the frame.
  zmq::socket_t big(ctx, zmq::socket_type::push);
  big.set(zmq::sockopt::linger, 0);
  DisconnectMonitor monitor;
  monitor.init(big, "inproc://garbage-big-monitor", ZMQ_EVENT_DISCONNECTED);
  big.connect(a.endpoint());
  std::vector<std::uint8_t> huge(1u << 20, 0x90);
  big.send(zmq::buffer(huge), zmq::send_flags::none);
  EXPECT_TRUE(
      wait_until([&] { return monitor.disconnected; }, 10s, [&] { monitor.check_event(0); }))
      << "the node did not refuse a frame over its size limit";

  // Everything was counted: nothing changed, and the node still serves (b
  // still sees it, a new advertisement still spreads).
  EXPECT_EQ(a.registry().lookup("web"), registry_before);
  EXPECT_EQ(names(a.members()), members_before);
  Service s2 = s;
  s2.id = "web-b2";
  b.advertise(s2);
  EXPECT_TRUE(wait_until([&] { return a.registry().lookup("web").size() == 2; }, 10s));
  EXPECT_TRUE(wait_until(
      [&] {
        for (const auto& m : b.members())
          if (m.state != MemberState::alive) return false;
        return b.members().size() == 2;
      },
      10s));
}

}  // namespace
}  // namespace hearsay
