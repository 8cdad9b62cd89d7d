// ZapHandler over real ZeroMQ: a CURVE server socket in the handler's domain
// admits a client presenting the allowed key and refuses any other, counted
// by serve(); hand-made ZAP requests pin each rule of a request; one handler
// per context. Every wait is bounded and pumps serve().
#include "gossip/zap_handler.hpp"

#include <gtest/gtest.h>
#include <zmq.h>

#include <zmq.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "hearsay/keys.hpp"
#include "tests/support/wait.hpp"

namespace hearsay::gossip {
namespace {

using namespace std::chrono_literals;
using test_support::holds_for;
using test_support::wait_until;

// A context with a handler admitting `allowed`, and a CURVE server socket
// (PULL) checked by it on loopback tcp.
struct Server {
  explicit Server(const KeyPair& allowed)
      : handler(context, {decode_curve_key(allowed.public_key, "allowed")}),
        pull(context, zmq::socket_type::pull) {
    pull.set(zmq::sockopt::linger, 0);
    pull.set(zmq::sockopt::curve_server, true);
    pull.set(zmq::sockopt::curve_secretkey, key.secret_key);
    pull.set(zmq::sockopt::zap_domain, std::string(ZapHandler::kDomain));
    pull.bind("tcp://127.0.0.1:*");
    endpoint = pull.get(zmq::sockopt::last_endpoint);
  }

  // Answers ZAP and reads what arrived; returns the refusals of this round.
  std::uint64_t pump() {
    const auto denied = handler.serve();
    refused += denied;
    zmq::message_t m;
    while (pull.recv(m, zmq::recv_flags::dontwait))
      received.push_back(m.to_string());
    return denied;
  }

  // Pumps until `done` holds; false if it does not within the default wait.
  bool pump_until(const std::function<bool()>& done) {
    return wait_until(done, test_support::kDefaultWait, [this] { pump(); });
  }

  const KeyPair key = generate_keys();
  zmq::context_t context;
  ZapHandler handler;
  zmq::socket_t pull;
  std::string endpoint;
  std::vector<std::string> received;
  std::uint64_t refused = 0;
};

// A CURVE client (PUSH) that knows the server's key and presents `client`.
std::unique_ptr<zmq::socket_t> connect_client(zmq::context_t& context, const Server& server,
                                              const KeyPair& client) {
  auto push = std::make_unique<zmq::socket_t>(context, zmq::socket_type::push);
  push->set(zmq::sockopt::linger, 0);
  push->set(zmq::sockopt::curve_serverkey, server.key.public_key);
  push->set(zmq::sockopt::curve_publickey, client.public_key);
  push->set(zmq::sockopt::curve_secretkey, client.secret_key);
  push->connect(server.endpoint);
  return push;
}

TEST(ZapHandler, ClientWithTheAllowedKeyIsAdmittedAndItsMessageArrives) {
  const auto allowed = generate_keys();
  Server server(allowed);
  zmq::context_t client_context;
  auto client = connect_client(client_context, server, allowed);
  // PUSH queues until the handshake completes, then delivers.
  ASSERT_TRUE(client->send(zmq::str_buffer("admitted"), zmq::send_flags::dontwait));
  ASSERT_TRUE(server.pump_until([&] { return !server.received.empty(); }));
  EXPECT_EQ(server.received, std::vector<std::string>{"admitted"});
  EXPECT_EQ(server.refused, 0u);
}

TEST(ZapHandler, ClientsWithOtherKeysAreRefusedAndServeCountsThem) {
  const auto allowed = generate_keys();
  Server server(allowed);
  zmq::context_t client_context;
  auto first = connect_client(client_context, server, generate_keys());
  auto second = connect_client(client_context, server, generate_keys());
  ASSERT_TRUE(first->send(zmq::str_buffer("let me in"), zmq::send_flags::dontwait));
  ASSERT_TRUE(second->send(zmq::str_buffer("me too"), zmq::send_flags::dontwait));
  // Until both are refused, or one of them got in.
  ASSERT_TRUE(server.pump_until([&] { return server.refused >= 2 || !server.received.empty(); }));
  EXPECT_EQ(server.received, std::vector<std::string>{});
  // Refused clients are not retried by libzmq, and nothing of theirs arrives.
  EXPECT_TRUE(holds_for(
      [&] {
        server.pump();
        return server.refused == 2 && server.received.empty();
      },
      300ms))
      << server.refused << " refused, " << server.received.size() << " received";
  // The allowed key still gets in beside them.
  auto admitted = connect_client(client_context, server, allowed);
  ASSERT_TRUE(admitted->send(zmq::str_buffer("admitted"), zmq::send_flags::dontwait));
  ASSERT_TRUE(server.pump_until([&] { return !server.received.empty(); }));
  EXPECT_EQ(server.received, std::vector<std::string>{"admitted"});
  EXPECT_EQ(server.refused, 2u);
}

// --- hand-made requests ------------------------------------------------------------

struct Request {
  std::string version = "1.0";
  std::string domain = ZapHandler::kDomain;
  std::string mechanism = "CURVE";
  std::string credential;  // raw key bytes
};

std::string raw(const KeyPair& pair) {
  const auto key = decode_curve_key(pair.public_key, "test");
  return {key.begin(), key.end()};
}

// Sends `r` to the handler as libzmq would, from a REQ socket of its own.
std::unique_ptr<zmq::socket_t> ask(zmq::context_t& context, const Request& r,
                                   const std::string& id) {
  auto req = std::make_unique<zmq::socket_t>(context, zmq::socket_type::req);
  req->set(zmq::sockopt::linger, 0);
  req->connect("inproc://zeromq.zap.01");
  const auto more = zmq::send_flags::sndmore;
  req->send(zmq::buffer(r.version), more);
  req->send(zmq::buffer(id), more);
  req->send(zmq::buffer(r.domain), more);
  req->send(zmq::str_buffer("127.0.0.1"), more);
  req->send(zmq::str_buffer("routing"), more);
  req->send(zmq::buffer(r.mechanism), more);
  req->send(zmq::buffer(r.credential), zmq::send_flags::none);
  return req;
}

// The reply's frames: version, request id, status code, text, user id, metadata.
std::vector<std::string> reply_of(zmq::socket_t& req) {
  std::vector<std::string> frames;
  zmq::message_t part;
  if (!req.recv(part, zmq::recv_flags::dontwait)) return frames;
  frames.push_back(part.to_string());
  while (part.more() && req.recv(part, zmq::recv_flags::none))
    frames.push_back(part.to_string());
  return frames;
}

TEST(ZapHandler, EachRuleOfARequestIsChecked) {
  const auto allowed = generate_keys();
  zmq::context_t context;
  ZapHandler handler(context, {decode_curve_key(allowed.public_key, "allowed")});

  std::vector<std::pair<std::string, Request>> cases;
  cases.push_back({"allowed", {.credential = raw(allowed)}});
  cases.push_back({"other key", {.credential = raw(generate_keys())}});
  cases.push_back({"version", {.version = "2.0", .credential = raw(allowed)}});
  cases.push_back({"domain", {.domain = "elsewhere", .credential = raw(allowed)}});
  cases.push_back({"mechanism", {.mechanism = "PLAIN", .credential = raw(allowed)}});
  cases.push_back({"short key", {.credential = raw(allowed).substr(0, 31)}});

  std::vector<std::unique_ptr<zmq::socket_t>> sockets;
  for (std::size_t i = 0; i < cases.size(); ++i)
    sockets.push_back(ask(context, cases[i].second, "id-" + std::to_string(i)));
  std::vector<std::vector<std::string>> replies(cases.size());
  std::uint64_t denied = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        for (std::size_t i = 0; i < cases.size(); ++i)
          if (replies[i].empty()) replies[i] = reply_of(*sockets[i]);
        for (const auto& r : replies)
          if (r.empty()) return false;
        return true;
      },
      test_support::kDefaultWait, [&] { denied += handler.serve(); }));
  EXPECT_EQ(denied, cases.size() - 1);

  std::array<char, 41> user_id{};
  ASSERT_NE(zmq_z85_encode(user_id.data(),
                           reinterpret_cast<const std::uint8_t*>(raw(allowed).data()), 32),
            nullptr);
  EXPECT_EQ(replies[0], (std::vector<std::string>{"1.0", "id-0", "200", "OK", user_id.data(), ""}));
  for (std::size_t i = 1; i < cases.size(); ++i)
    EXPECT_EQ(replies[i], (std::vector<std::string>{"1.0", "id-" + std::to_string(i), "400",
                                                    "client key not allowed", "", ""}))
        << cases[i].first;
}

TEST(ZapHandler, AContextHoldsOnlyOneHandler) {
  zmq::context_t context;
  ZapHandler first(context, {});
  try {
    ZapHandler second(context, {});
    FAIL() << "a second handler on the same context was bound";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("inproc://zeromq.zap.01"), std::string::npos) << what;
    EXPECT_NE(what.find("one CURVE transport per zmq::context_t"), std::string::npos) << what;
  }
  // Another context has room for its own.
  zmq::context_t other;
  EXPECT_NO_THROW(ZapHandler(other, {}));
}

}  // namespace
}  // namespace hearsay::gossip
