// ZmqTransport over real ZeroMQ: several transports in one process, each with
// its own context like a node, on loopback tcp (IPv4 and IPv6) and ipc paths
// in a fresh temp directory. Every wait is a bounded loop that pumps
// service()/receive_all(); nothing relies on a bare sleep.
#include "gossip/zmq_transport.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include <zmq.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/scratch_dir.hpp"
#include "tests/support/wait.hpp"

namespace hearsay::gossip {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Bytes = std::vector<std::uint8_t>;
using test_support::ScratchDir;
using test_support::wait_until;

Bytes bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

struct KeyPair {
  std::string public_key;
  std::string secret_key;
};

KeyPair make_keypair() {
  std::array<char, 41> public_key{};
  std::array<char, 41> secret_key{};
  if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0)
    throw std::runtime_error("zmq_curve_keypair failed");
  return {public_key.data(), secret_key.data()};
}

// One node's worth of ZeroMQ: a context and a transport on it.
struct Node {
  explicit Node(TransportOptions options)
      : context(std::make_unique<zmq::context_t>()),
        transport(std::make_unique<ZmqTransport>(*context, std::move(options))) {}
  Node(Node&&) noexcept = default;
  Node& operator=(Node&&) noexcept = default;
  ~Node() {
    transport.reset();  // sockets before their context
    context.reset();
  }
  ZmqTransport* operator->() const { return transport.get(); }

  std::unique_ptr<zmq::context_t> context;
  std::unique_ptr<ZmqTransport> transport;
  std::vector<Bytes> inbox;
};

TransportOptions options_for(const std::string& bind) {
  TransportOptions options;
  options.bind = bind;
  return options;
}

// Pumps every node (service + receive into its inbox) until `done` or the
// deadline; true if `done` held.
bool pump_until(const std::vector<Node*>& nodes, const std::function<bool()>& done,
                std::chrono::milliseconds limit = 5000ms) {
  return wait_until(done, limit, [&] {
    for (auto* node : nodes) {
      (*node)->service(Clock::now());
      for (auto& message : (*node)->receive_all())
        node->inbox.push_back(std::move(message));
    }
  });
}

bool has(const Node& node, const Bytes& message) {
  return std::find(node.inbox.begin(), node.inbox.end(), message) != node.inbox.end();
}

// Sends `message` and waits until `to` has it; resends every 100 ms because a
// PUSH socket may still be connecting or handshaking.
bool deliver(Node& from, Node& to, const Bytes& message, std::vector<Node*> nodes = {},
             std::chrono::milliseconds limit = 5000ms) {
  if (nodes.empty()) nodes = {&from, &to};
  return wait_until(
      [&] {
        from->send(Clock::now(), to->bound_endpoint(), message);
        return pump_until(
            nodes, [&] { return has(to, message); }, 100ms);
      },
      limit);
}

std::string ipc(const ScratchDir& dir, const std::string& name) {
  return "ipc://" + dir.file(name);
}

void round_trip(Node& a, Node& b) {
  const auto hello = bytes_of("hello from a");
  const auto reply = bytes_of("reply from b");
  ASSERT_TRUE(a->send(Clock::now(), b->bound_endpoint(), hello));
  ASSERT_TRUE(pump_until({&a, &b}, [&] { return has(b, hello); }));
  ASSERT_TRUE(b->send(Clock::now(), a->bound_endpoint(), reply));
  ASSERT_TRUE(pump_until({&a, &b}, [&] { return has(a, reply); }));
  EXPECT_EQ(a->stats().transport_sent, 1u);
  EXPECT_EQ(a->stats().transport_received, 1u);
  EXPECT_EQ(b->stats().transport_received, 1u);
  EXPECT_EQ(a->stats().send_dropped, 0u);
  EXPECT_EQ(a->stats().open_connections, 1u);
}

TEST(ZmqTransport, TcpRoundTripResolvesPortZero) {
  Node a(options_for("tcp://127.0.0.1:0"));
  Node b(options_for("tcp://127.0.0.1:*"));
  for (const auto* node : {&a, &b}) {
    const auto& endpoint = (*node)->bound_endpoint();
    EXPECT_TRUE(endpoint.starts_with("tcp://127.0.0.1:")) << endpoint;
    EXPECT_FALSE(endpoint.ends_with(":0")) << endpoint;
    EXPECT_FALSE(endpoint.ends_with(":*")) << endpoint;
  }
  EXPECT_NE(a->bound_endpoint(), b->bound_endpoint());
  round_trip(a, b);
}

// The address a raw PULL socket bound at `bind` sees the first message from
// `from` arrive from (ZeroMQ's Peer-Address property); "" if none arrives.
std::string peer_address_seen(Node& from, const std::string& bind) {
  zmq::context_t context;
  zmq::socket_t pull(context, zmq::socket_type::pull);
  pull.set(zmq::sockopt::linger, 0);
  pull.bind(bind);
  const auto endpoint = pull.get(zmq::sockopt::last_endpoint);
  zmq::message_t message;
  const bool got = wait_until([&] {
    from->send(Clock::now(), endpoint, bytes_of("where am I from"));
    from->service(Clock::now());
    return pull.recv(message, zmq::recv_flags::dontwait).has_value();
  });
  return got ? std::string(message.gets("Peer-Address")) : std::string();
}

// A node bound to a specific IP connects from it: 127.0.0.2 and 127.0.0.3 are
// on lo without any setup, and the kernel would pick 127.0.0.1 as source.
TEST(ZmqTransport, ConnectsFromItsBoundAddress) {
  Node a(options_for("tcp://127.0.0.2:0"));
  EXPECT_EQ(peer_address_seen(a, "tcp://127.0.0.3:*"), "127.0.0.2");
  Node b(options_for("tcp://127.0.0.4:0"));
  EXPECT_EQ(peer_address_seen(b, "tcp://127.0.0.3:*"), "127.0.0.4");
}

// Two transports on their own addresses still talk both ways.
TEST(ZmqTransport, RoundTripBetweenOwnAddresses) {
  Node a(options_for("tcp://127.0.0.2:0"));
  Node b(options_for("tcp://127.0.0.3:0"));
  round_trip(a, b);
}

// Bound to the wildcard, the kernel picks the source (not a bound address).
TEST(ZmqTransport, WildcardBindConnectsFromTheKernelsChoice) {
  Node a(options_for("tcp://0.0.0.0:0"));
  EXPECT_EQ(peer_address_seen(a, "tcp://127.0.0.3:*"), "127.0.0.1");
}

TEST(ZmqTransport, IpcRoundTrip) {
  ScratchDir dir("zmq");
  Node a(options_for(ipc(dir, "a.sock")));
  Node b(options_for(ipc(dir, "b.sock")));
  EXPECT_EQ(a->bound_endpoint(), ipc(dir, "a.sock"));
  round_trip(a, b);
}

TEST(ZmqTransport, Ipv6RoundTrip) {
  std::unique_ptr<Node> a;
  std::unique_ptr<Node> b;
  try {
    a = std::make_unique<Node>(options_for("tcp://[::1]:0"));
    b = std::make_unique<Node>(options_for("tcp://[::1]:0"));
  } catch (const std::runtime_error& e) {
    GTEST_SKIP() << "no IPv6 loopback: " << e.what();
  }
  EXPECT_TRUE((*a)->bound_endpoint().starts_with("tcp://[::1]:")) << (*a)->bound_endpoint();
  round_trip(*a, *b);
}

TEST(ZmqTransport, SharedContextRoundTrip) {
  // Without CURVE several transports may share a context (monitor endpoints
  // are unique per process).
  zmq::context_t context;
  ZmqTransport a(context, options_for("tcp://127.0.0.1:0"));
  ZmqTransport b(context, options_for("tcp://127.0.0.1:0"));
  const auto hello = bytes_of("shared");
  ASSERT_TRUE(a.send(Clock::now(), b.bound_endpoint(), hello));
  ASSERT_TRUE(b.send(Clock::now(), a.bound_endpoint(), hello));
  std::vector<Bytes> got_a;
  std::vector<Bytes> got_b;
  wait_until([&] { return !got_a.empty() && !got_b.empty(); }, 5s,
             [&] {
               for (auto& m : a.receive_all())
                 got_a.push_back(m);
               for (auto& m : b.receive_all())
                 got_b.push_back(m);
             });
  ASSERT_EQ(got_a.size(), 1u);
  ASSERT_EQ(got_b.size(), 1u);
  EXPECT_EQ(got_a.front(), hello);
}

TEST(ZmqTransport, BindingAnEndpointInUseThrows) {
  Node a(options_for("tcp://127.0.0.1:0"));
  try {
    Node b(options_for(a->bound_endpoint()));
    FAIL() << "second bind of " << a->bound_endpoint() << " succeeded";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("in use"), std::string::npos) << what;
    EXPECT_NE(what.find(a->bound_endpoint()), std::string::npos) << what;
  }
}

TEST(ZmqTransport, MalformedEndpointsAreReported) {
  EXPECT_THROW(Node(options_for("")), std::runtime_error);
  EXPECT_THROW(Node(options_for("nonsense")), std::runtime_error);
  EXPECT_THROW(Node(options_for("tcp://127.0.0.1:notaport")), std::runtime_error);

  Node a(options_for("tcp://127.0.0.1:0"));
  EXPECT_FALSE(a->send(Clock::now(), "nonsense", bytes_of("x")));
  EXPECT_FALSE(a->send(Clock::now(), "tcp://", bytes_of("x")));
  EXPECT_EQ(a->stats().send_dropped, 2u);
  EXPECT_EQ(a->stats().open_connections, 0u);
}

TEST(ZmqTransport, OversizedMessageIsNeverDelivered) {
  auto receiver_options = options_for("tcp://127.0.0.1:0");
  receiver_options.max_message_bytes = 1024;
  Node receiver(receiver_options);
  Node big_sender(options_for("tcp://127.0.0.1:0"));
  Node small_sender(options_for("tcp://127.0.0.1:0"));

  const Bytes big(2048, 0xab);
  ASSERT_TRUE(big_sender->send(Clock::now(), receiver->bound_endpoint(), big));
  const auto small = bytes_of("small enough");
  const std::vector<Node*> all{&receiver, &big_sender, &small_sender};
  ASSERT_TRUE(deliver(small_sender, receiver, small, all));
  // Give a stray big message a further chance to show up; it must not.
  pump_until(
      all, [] { return false; }, 200ms);
  for (const auto& message : receiver.inbox)
    EXPECT_LE(message.size(), 1024u);
  EXPECT_FALSE(has(receiver, big));
}

TEST(ZmqTransport, FullQueueToUnreachablePeerDropsWithoutBlocking) {
  std::string unreachable;
  {
    Node gone(options_for("tcp://127.0.0.1:0"));
    unreachable = gone->bound_endpoint();  // nobody listens here once it is gone
  }
  auto options = options_for("tcp://127.0.0.1:0");
  options.send_hwm = 4;
  Node sender(options);
  const auto message = bytes_of("into the void");
  const auto start = Clock::now();
  int accepted = 0;
  for (int i = 0; i < 1000; ++i)
    accepted += sender->send(Clock::now(), unreachable, message) ? 1 : 0;
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_LT(accepted, 1000);
  EXPECT_GE(sender->stats().send_dropped, 1u);
  EXPECT_EQ(sender->stats().transport_sent + sender->stats().send_dropped, 1000u);
}

TEST(ZmqTransport, PoolEvictsLeastRecentlyUsed) {
  auto options = options_for("tcp://127.0.0.1:0");
  options.max_connections = 2;
  Node sender(options);
  std::vector<std::unique_ptr<Node>> peers;
  for (int i = 0; i < 3; ++i)
    peers.push_back(std::make_unique<Node>(options_for("tcp://127.0.0.1:0")));
  std::vector<Node*> all{&sender};
  for (auto& peer : peers)
    all.push_back(peer.get());

  for (int round = 0; round < 2; ++round) {
    for (auto& peer : peers) {
      const auto message = bytes_of("round " + std::to_string(round));
      ASSERT_TRUE(deliver(sender, *peer, message, all));
      EXPECT_LE(sender->stats().open_connections, 2u);
    }
  }
  EXPECT_EQ(sender->stats().open_connections, 2u);
  EXPECT_GE(sender->stats().connections_closed, 4u);
  EXPECT_EQ(sender->stats().connections_opened,
            sender->stats().connections_closed + sender->stats().open_connections);
  // The most recent peer stays pooled: sending to it again opens nothing.
  const auto opened = sender->stats().connections_opened;
  ASSERT_TRUE(
      sender->send(Clock::now(), peers.back()->transport->bound_endpoint(), bytes_of("again")));
  EXPECT_EQ(sender->stats().connections_opened, opened);
}

TEST(ZmqTransport, IdleConnectionsClose) {
  auto options = options_for("tcp://127.0.0.1:0");
  options.idle_close = 50ms;
  Node sender(options);
  Node peer(options_for("tcp://127.0.0.1:0"));
  ASSERT_TRUE(deliver(sender, peer, bytes_of("hi")));
  EXPECT_EQ(sender->stats().open_connections, 1u);
  sender->service(Clock::now() - 1s);  // not idle yet
  EXPECT_EQ(sender->stats().open_connections, 1u);
  sender->service(Clock::now() + 1s);
  EXPECT_EQ(sender->stats().open_connections, 0u);
  EXPECT_EQ(sender->stats().connections_closed, 1u);
  EXPECT_TRUE(sender->poll_sockets().size() == 1u);  // only the inbound socket
  // It reopens on demand.
  ASSERT_TRUE(deliver(sender, peer, bytes_of("back")));
  EXPECT_EQ(sender->stats().connections_opened, 2u);
}

// Idle time is counted on the caller's clock (a day ahead of the machine's
// here), from the last send: no waiting, and nothing reads the real time.
TEST(ZmqTransport, IdleCloseCountsFromTheCallersNowAtTheLastSend) {
  auto options = options_for("tcp://127.0.0.1:0");
  options.idle_close = 5s;
  Node sender(options);
  Node peer(options_for("tcp://127.0.0.1:0"));
  const auto t = Clock::now() + 24h;
  ASSERT_TRUE(sender->send(t, peer->bound_endpoint(), bytes_of("first")));
  EXPECT_EQ(sender->next_deadline(), t + 5s);
  sender->service(t + 5s - 1ms);
  EXPECT_EQ(sender->stats().open_connections, 1u);
  // A later send restamps the connection.
  ASSERT_TRUE(sender->send(t + 2s, peer->bound_endpoint(), bytes_of("second")));
  EXPECT_EQ(sender->next_deadline(), t + 7s);
  sender->service(t + 5s + 1ms);
  EXPECT_EQ(sender->stats().open_connections, 1u);
  sender->service(t + 7s - 1ms);
  EXPECT_EQ(sender->stats().open_connections, 1u);
  sender->service(t + 7s + 1ms);
  EXPECT_EQ(sender->stats().open_connections, 0u);
  EXPECT_EQ(sender->stats().connections_closed, 1u);
  EXPECT_EQ(sender->next_deadline(), Clock::time_point::max());
}

TEST(ZmqTransport, DisconnectClosesThatPeer) {
  Node sender(options_for("tcp://127.0.0.1:0"));
  Node a(options_for("tcp://127.0.0.1:0"));
  Node b(options_for("tcp://127.0.0.1:0"));
  const std::vector<Node*> all{&sender, &a, &b};
  ASSERT_TRUE(deliver(sender, a, bytes_of("a"), all));
  ASSERT_TRUE(deliver(sender, b, bytes_of("b"), all));
  EXPECT_EQ(sender->poll_sockets().size(), 3u);  // inbound + two monitors
  sender->disconnect(a->bound_endpoint());
  EXPECT_EQ(sender->stats().open_connections, 1u);
  EXPECT_EQ(sender->stats().connections_closed, 1u);
  sender->disconnect(a->bound_endpoint());  // unknown now: no-op
  sender->disconnect("tcp://127.0.0.1:1");
  EXPECT_EQ(sender->stats().connections_closed, 1u);
  // Our own close is not reported as the peer's.
  pump_until(
      all, [] { return false; }, 100ms);
  EXPECT_TRUE(sender->take_closed().empty());
  ASSERT_TRUE(deliver(sender, b, bytes_of("still b"), all));
}

// Sends to `peer`, destroys it, and checks `sender` reports exactly its
// endpoint as closed (a failure hint).
void expect_gone_peer_reported(Node& sender, std::unique_ptr<Node> peer) {
  const auto endpoint = (*peer)->bound_endpoint();
  ASSERT_TRUE(deliver(sender, *peer, bytes_of("hello"), {&sender, peer.get()}));
  EXPECT_TRUE(sender->take_closed().empty());
  peer.reset();
  std::vector<std::string> closed;
  ASSERT_TRUE(pump_until({&sender}, [&] {
    for (auto& e : sender->take_closed())
      closed.push_back(e);
    return !closed.empty();
  }));
  EXPECT_EQ(closed, std::vector<std::string>{endpoint});
}

TEST(ZmqTransport, PeerGoneIsReportedAsClosed) {
  Node sender(options_for("tcp://127.0.0.1:0"));
  expect_gone_peer_reported(sender, std::make_unique<Node>(options_for("tcp://127.0.0.1:0")));
  EXPECT_GE(sender->stats().peer_disconnects, 1u);
}

// Every TCP socket of this process whose peer is `address` ("127.0.0.1:port").
std::vector<int> sockets_to(const std::string& address) {
  std::vector<int> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::stoi(entry.path().filename().string());
    sockaddr_in6 peer{};  // PUSH sockets are dual-stack: IPv4 peers come v4-mapped
    socklen_t len = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0 ||
        peer.sin6_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr))
      continue;
    char host[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &peer.sin6_addr.s6_addr[12], host, sizeof host);
    if (std::string(host) + ":" + std::to_string(ntohs(peer.sin6_port)) == address)
      out.push_back(fd);
  }
  return out;
}

// Outbound connections retransmit on linear timeouts (thin streams) instead
// of doubling the RTO on each loss.
TEST(ZmqTransport, OutboundConnectionsUseLinearRetransmissionTimeouts) {
  Node a(options_for("tcp://127.0.0.1:0"));
  Node b(options_for("tcp://127.0.0.1:0"));
  round_trip(a, b);
  const auto b_address = b->bound_endpoint().substr(std::string("tcp://").size());
  int tuned = 0;
  ASSERT_TRUE(pump_until({&a, &b}, [&] {
    tuned = 0;
    for (const int fd : sockets_to(b_address)) {
      int on = 0;
      socklen_t len = sizeof on;
      if (::getsockopt(fd, IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, &on, &len) == 0 && on == 1)
        ++tuned;
    }
    return tuned == 1;
  })) << "a's one connection to b, tuned";
}

// --- refusals and abandoned connects ---

// A TCP listener that never accepts, with its one-slot accept queue filled:
// the kernel then drops further SYNs silently (a host that does not answer,
// with no reset).
struct SilentListener {
  SilentListener() {
    listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listener, 0) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("silent listener: setup failed");
    endpoint = "tcp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
    for (auto& fd : fillers) {  // the accept queue takes backlog + 1
      fd = ::socket(AF_INET, SOCK_STREAM, 0);
      if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0)
        throw std::runtime_error("silent listener: could not fill the accept queue");
    }
  }
  ~SilentListener() {
    for (const int fd : fillers)
      ::close(fd);
    ::close(listener);
  }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  int listener = -1;
  std::array<int, 1> fillers{};
  std::string endpoint;
};

TEST(ZmqTransport, ConnectingToAClosedPortIsReportedRefused) {
  std::string closed;
  {
    Node gone(options_for("tcp://127.0.0.1:0"));
    closed = gone->bound_endpoint();
  }
  auto options = options_for("tcp://127.0.0.1:0");
  options.connect_timeout = 200ms;  // refusals are told apart from abandoned connects
  Node sender(options);
  ASSERT_TRUE(sender->send(Clock::now(), closed, bytes_of("anyone?")));
  std::vector<std::string> refused;
  ASSERT_TRUE(pump_until({&sender}, [&] {
    for (auto& e : sender->take_refused())
      refused.push_back(std::move(e));
    return !refused.empty();
  }));
  EXPECT_EQ(refused, std::vector<std::string>{closed});
  EXPECT_GE(sender->stats().connect_refused, 1u);
}

TEST(ZmqTransport, AnAbandonedConnectIsNoRefusal) {
  SilentListener silent;
  auto options = options_for("tcp://127.0.0.1:0");
  options.connect_timeout = 200ms;
  Node sender(options);
  ASSERT_TRUE(sender->send(Clock::now(), silent.endpoint, bytes_of("anyone?")));
  // Several connect timeouts pass (each a fresh SYN the kernel drops): none
  // of them is a refusal, whatever libzmq's retry events look like.
  std::vector<std::string> refused;
  EXPECT_FALSE(pump_until(
      {&sender},
      [&] {
        for (auto& e : sender->take_refused())
          refused.push_back(std::move(e));
        return !refused.empty();
      },
      1500ms));
  EXPECT_TRUE(refused.empty());
  EXPECT_EQ(sender->stats().connect_refused, 0u);
}

// --- CURVE ---

CurveOptions cluster_curve(const KeyPair& cluster) {
  CurveOptions curve;
  curve.server_public = cluster.public_key;
  curve.server_secret = cluster.secret_key;
  curve.client_public = cluster.public_key;
  curve.client_secret = cluster.secret_key;
  return curve;
}

TransportOptions curve_options(CurveOptions curve) {
  auto options = options_for("tcp://127.0.0.1:0");
  options.curve = std::move(curve);
  return options;
}

// Sends for `limit` (resending, pumping everyone) and reports whether `to`
// ever received the message.
bool delivered_within(Node& from, Node& to, const Bytes& message, std::chrono::milliseconds limit) {
  return deliver(from, to, message, {&from, &to}, limit);
}

TEST(ZmqTransport, CurveClusterKeyRoundTrip) {
  const auto cluster = make_keypair();
  Node a(curve_options(cluster_curve(cluster)));
  Node b(curve_options(cluster_curve(cluster)));
  ASSERT_TRUE(deliver(a, b, bytes_of("secret hello")));
  ASSERT_TRUE(deliver(b, a, bytes_of("secret reply")));
  EXPECT_EQ(a->stats().zap_denied, 0u);
  EXPECT_EQ(b->stats().zap_denied, 0u);
  EXPECT_EQ(a->poll_sockets().size(), 3u);  // inbound, ZAP, one monitor
}

TEST(ZmqTransport, CurveWrongClientKeyIsDenied) {
  const auto cluster = make_keypair();
  const auto stranger = make_keypair();
  Node receiver(curve_options(cluster_curve(cluster)));
  auto curve = cluster_curve(cluster);
  curve.client_public = stranger.public_key;
  curve.client_secret = stranger.secret_key;
  Node intruder(curve_options(curve));
  EXPECT_FALSE(delivered_within(intruder, receiver, bytes_of("let me in"), 1000ms));
  EXPECT_TRUE(receiver.inbox.empty());
  EXPECT_GE(receiver->stats().zap_denied, 1u);
}

TEST(ZmqTransport, CurveWrongServerKeyDeliversNothing) {
  const auto cluster = make_keypair();
  const auto other = make_keypair();
  Node receiver(curve_options(cluster_curve(cluster)));
  auto curve = cluster_curve(cluster);
  curve.server_public = other.public_key;
  curve.server_secret = other.secret_key;
  Node intruder(curve_options(curve));
  EXPECT_FALSE(delivered_within(intruder, receiver, bytes_of("let me in"), 1000ms));
  EXPECT_TRUE(receiver.inbox.empty());
}

TEST(ZmqTransport, PlaintextSenderToCurveReceiverDeliversNothing) {
  const auto cluster = make_keypair();
  Node receiver(curve_options(cluster_curve(cluster)));
  Node plain(options_for("tcp://127.0.0.1:0"));
  EXPECT_FALSE(delivered_within(plain, receiver, bytes_of("plain"), 1000ms));
  EXPECT_TRUE(receiver.inbox.empty());
}

TEST(ZmqTransport, CurveAllowListAdmitsOnlyListedNodeKeys) {
  const auto cluster = make_keypair();
  const auto listed = make_keypair();
  const auto unlisted = make_keypair();
  auto receiver_curve = cluster_curve(cluster);
  receiver_curve.allowed_client_keys = {listed.public_key};
  Node receiver(curve_options(receiver_curve));

  auto listed_curve = cluster_curve(cluster);
  listed_curve.client_public = listed.public_key;
  listed_curve.client_secret = listed.secret_key;
  Node admitted(curve_options(listed_curve));

  auto unlisted_curve = cluster_curve(cluster);
  unlisted_curve.client_public = unlisted.public_key;
  unlisted_curve.client_secret = unlisted.secret_key;
  Node refused(curve_options(unlisted_curve));

  EXPECT_FALSE(delivered_within(refused, receiver, bytes_of("refused"), 1000ms));
  EXPECT_GE(receiver->stats().zap_denied, 1u);
  EXPECT_TRUE(delivered_within(admitted, receiver, bytes_of("admitted"), 5000ms));
  EXPECT_FALSE(has(receiver, bytes_of("refused")));
}

TEST(ZmqTransport, CurveConfigurationErrorsThrow) {
  auto bad = cluster_curve(make_keypair());
  bad.client_secret = "too short";
  try {
    Node node(curve_options(bad));
    FAIL() << "a bad key was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("client_secret"), std::string::npos) << e.what();
  }
  // One ZAP handler per context: a second CURVE transport on it is refused.
  zmq::context_t context;
  const auto curve = cluster_curve(make_keypair());
  ZmqTransport first(context, curve_options(curve));
  try {
    ZmqTransport second(context, curve_options(curve));
    FAIL() << "two ZAP handlers in one context";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("ZAP"), std::string::npos) << e.what();
  }
}

// --- CURVE key rotation: alternatives, handshake failures ---

// What a node serving `serve` and also dialling `also` (in that order after
// its own key) uses in cluster-key mode.
CurveOptions rotating_curve(const KeyPair& serve, const KeyPair& also) {
  auto curve = cluster_curve(serve);
  curve.alternatives.push_back({also.public_key, also.public_key, also.secret_key});
  return curve;
}

// Pumps for `limit` and returns everything take_closed() reported.
std::vector<std::string> closed_during(const std::vector<Node*>& nodes, Node& watched,
                                       std::chrono::milliseconds limit) {
  std::vector<std::string> closed;
  pump_until(
      nodes,
      [&] {
        for (auto& e : watched->take_closed())
          closed.push_back(e);
        return false;
      },
      limit);
  return closed;
}

TEST(ZmqTransport, CurveFallsBackToAlternativeServerKey) {
  const auto old_key = make_keypair();
  const auto new_key = make_keypair();
  Node receiver(curve_options(cluster_curve(new_key)));          // already moved to the new key
  Node sender(curve_options(rotating_curve(old_key, new_key)));  // dials old first
  ASSERT_TRUE(deliver(sender, receiver, bytes_of("via the new key")));
  EXPECT_GE(sender->stats().handshake_failures, 1u);
  EXPECT_GE(sender->stats().key_switches, 1u);
  EXPECT_TRUE(sender->take_closed().empty()) << "a handshake failure is no failure hint";
  // The working choice sticks: no further failures.
  const auto failures = sender->stats().handshake_failures;
  ASSERT_TRUE(deliver(sender, receiver, bytes_of("again")));
  pump_until(
      {&sender, &receiver}, [] { return false; }, 300ms);
  EXPECT_EQ(sender->stats().handshake_failures, failures);
  EXPECT_EQ(receiver->stats().zap_denied, 0u);
}

TEST(ZmqTransport, CurveServerAdmitsAlternativeClientKeys) {
  const auto old_key = make_keypair();
  const auto new_key = make_keypair();
  // Serves the old key, admits holders of the new one as clients.
  Node receiver(curve_options(rotating_curve(old_key, new_key)));
  auto curve = cluster_curve(new_key);
  curve.server_public = old_key.public_key;  // dials the old server key as the new key's holder
  Node sender(curve_options(curve));
  ASSERT_TRUE(deliver(sender, receiver, bytes_of("new client key")));
  EXPECT_EQ(receiver->stats().zap_denied, 0u);
  // Both directions of a mixed pair work: the receiver dials the sender's new key.
  Node new_only(curve_options(cluster_curve(new_key)));
  ASSERT_TRUE(deliver(receiver, new_only, bytes_of("back"), {&receiver, &new_only}));
}

TEST(ZmqTransport, CurveChoiceIsRememberedAcrossEviction) {
  const auto old_key = make_keypair();
  const auto new_key = make_keypair();
  Node moved(curve_options(cluster_curve(new_key)));
  Node unmoved(curve_options(cluster_curve(old_key)));
  auto options = curve_options(rotating_curve(old_key, new_key));
  options.max_connections = 1;
  Node sender(std::move(options));
  const std::vector<Node*> all{&sender, &moved, &unmoved};
  ASSERT_TRUE(deliver(sender, moved, bytes_of("1"), all));
  const auto failures = sender->stats().handshake_failures;
  EXPECT_GE(failures, 1u);
  ASSERT_TRUE(deliver(sender, unmoved, bytes_of("2"), all));  // evicts `moved`
  ASSERT_TRUE(deliver(sender, moved, bytes_of("3"), all));    // reopens with the new key
  EXPECT_EQ(sender->stats().handshake_failures, failures);
  EXPECT_EQ(sender->stats().connections_closed, 2u);
}

TEST(ZmqTransport, CurveWrongKeyIsNoClosedHintAndBacksOff) {
  const auto cluster = make_keypair();
  const auto other = make_keypair();
  Node receiver(curve_options(cluster_curve(cluster)));
  auto curve = cluster_curve(cluster);
  curve.server_public = other.public_key;
  Node sender(curve_options(curve));
  ASSERT_TRUE(sender->send(Clock::now(), receiver->bound_endpoint(), bytes_of("lost")));
  const auto closed = closed_during({&sender, &receiver}, sender, 1000ms);
  EXPECT_TRUE(closed.empty());
  EXPECT_EQ(sender->stats().peer_disconnects, 0u);
  // Retries with backoff (100, 200, 400 ms ...), not in a tight loop.
  EXPECT_GE(sender->stats().handshake_failures, 2u);
  EXPECT_LE(sender->stats().handshake_failures,
            30u);  // backoff: ~4 in 1 s; headroom for slow machines
  EXPECT_EQ(sender->stats().queued_lost, 1u);
  EXPECT_TRUE(receiver.inbox.empty());
}

TEST(ZmqTransport, CurvePeerGoneAfterHandshakeIsReportedAsClosed) {
  const auto cluster = make_keypair();
  Node sender(curve_options(cluster_curve(cluster)));
  expect_gone_peer_reported(sender, std::make_unique<Node>(curve_options(cluster_curve(cluster))));
  EXPECT_EQ(sender->stats().handshake_failures, 0u);
}

TEST(ZmqTransport, CurvePeerRestartedWithNewKeyIsRedialled) {
  const auto old_key = make_keypair();
  const auto new_key = make_keypair();
  Node sender(curve_options(rotating_curve(old_key, new_key)));
  auto peer = std::make_unique<Node>(curve_options(cluster_curve(old_key)));
  const auto endpoint = (*peer)->bound_endpoint();
  ASSERT_TRUE(deliver(sender, *peer, bytes_of("old"), {&sender, peer.get()}));
  EXPECT_EQ(sender->stats().handshake_failures, 0u);
  peer.reset();
  auto options = curve_options(cluster_curve(new_key));
  options.bind = endpoint;
  peer = std::make_unique<Node>(std::move(options));
  ASSERT_TRUE(deliver(sender, *peer, bytes_of("new"), {&sender, peer.get()}));
  EXPECT_GE(sender->stats().handshake_failures, 1u);
  // The old incarnation going away was one hint; the key switch none.
  EXPECT_EQ(sender->take_closed(), std::vector<std::string>{endpoint});
}

TEST(ZmqTransport, DeniedClientRetriesOnceAdmitted) {
  // libzmq itself never reconnects after a ZAP denial; the transport does.
  const auto cluster = make_keypair();
  const auto node_key = make_keypair();
  auto receiver = std::make_unique<Node>(curve_options(cluster_curve(cluster)));
  const auto endpoint = (*receiver)->bound_endpoint();
  auto curve = cluster_curve(cluster);
  curve.client_public = node_key.public_key;
  curve.client_secret = node_key.secret_key;
  Node sender(curve_options(curve));
  EXPECT_FALSE(delivered_within(sender, *receiver, bytes_of("denied"), 500ms));
  EXPECT_GE((*receiver)->stats().zap_denied, 1u);
  receiver.reset();
  auto admitting = cluster_curve(cluster);
  admitting.allowed_client_keys = {node_key.public_key};
  auto options = curve_options(admitting);
  options.bind = endpoint;
  receiver = std::make_unique<Node>(std::move(options));
  EXPECT_TRUE(delivered_within(sender, *receiver, bytes_of("admitted"), 8000ms));
  EXPECT_TRUE(sender->take_closed().empty());
}

TEST(ZmqTransport, CurveBadAlternativeKeyThrows) {
  auto curve = rotating_curve(make_keypair(), make_keypair());
  curve.alternatives.front().client_secret = "nope";
  try {
    Node node(curve_options(curve));
    FAIL() << "a bad alternative key was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("alternatives[0].client_secret"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace hearsay::gossip
