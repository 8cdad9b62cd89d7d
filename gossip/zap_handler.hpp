// ZapHandler: the ZeroMQ authentication handler (ZAP, RFC 27) of one
// context, admitting CURVE clients by public key.
//
// libzmq asks the handler bound to inproc://zeromq.zap.01 about every client
// that connects to a socket with a ZAP domain; a context can hold only one,
// so each CURVE transport needs its own context (the node runtime has one per
// node). Requests are answered in serve(), on the owner's thread: a
// handshake waits until it is called, so poll socket() with the rest.
#pragma once

#include <cstdint>
#include <vector>
#include <zmq.hpp>

#include "gossip/zmq_helpers.hpp"

namespace hearsay::gossip {

class ZapHandler {
 public:
  // The ZAP domain sockets set (ZMQ_ZAP_DOMAIN) to be checked by this handler.
  static constexpr const char* kDomain = "hearsay";

  // Binds the handler. Throws std::runtime_error if the context has one.
  ZapHandler(zmq::context_t& context, std::vector<CurveKey> allowed);

  // Answers waiting requests (at most a bounded batch); returns how many
  // clients it refused. Throws zmq::error_t only while the context ends.
  std::uint64_t serve();
  zmq::socket_t& socket() { return socket_; }

 private:
  bool admits(const std::vector<zmq::message_t>& request) const;
  bool answer(const std::vector<zmq::message_t>& request);

  std::vector<CurveKey> allowed_;
  zmq::socket_t socket_;
};

}  // namespace hearsay::gossip
