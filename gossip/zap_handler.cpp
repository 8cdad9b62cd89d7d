#include "gossip/zap_handler.hpp"

#include <zmq.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hearsay::gossip {

namespace {

constexpr const char* kEndpoint = "inproc://zeromq.zap.01";
// Bounds the work of one serve() call.
constexpr std::size_t kRequestsPerServe = 256;

std::string_view view(const zmq::message_t& frame) {
  return {static_cast<const char*>(frame.data()), frame.size()};
}

}  // namespace

ZapHandler::ZapHandler(zmq::context_t& context, std::vector<CurveKey> allowed)
    : allowed_(std::move(allowed)), socket_(context, zmq::socket_type::rep) {
  socket_.set(zmq::sockopt::linger, 0);
  try {
    socket_.bind(kEndpoint);
  } catch (const zmq::error_t& e) {
    throw std::runtime_error(std::string("curve: cannot bind the ZAP handler ") + kEndpoint +
                             " (one CURVE transport per zmq::context_t): " + e.what());
  }
}

std::uint64_t ZapHandler::serve() {
  std::uint64_t denied = 0;
  for (std::size_t i = 0; i < kRequestsPerServe; ++i) {
    std::vector<zmq::message_t> request(1);
    if (!socket_.recv(request.front(), zmq::recv_flags::dontwait)) break;
    receive_rest(socket_, request.front(), &request);
    if (!answer(request)) ++denied;
  }
  return denied;
}

// Request: version, request id, domain, address, routing id, mechanism,
// credentials (CURVE: the client's 32-byte public key).
bool ZapHandler::admits(const std::vector<zmq::message_t>& request) const {
  if (request.size() < 7 || view(request[0]) != "1.0") return false;
  if (view(request[2]) != std::string_view(kDomain) || view(request[5]) != "CURVE") return false;
  const auto& credential = request[6];
  if (credential.size() != sizeof(CurveKey)) return false;
  return std::any_of(allowed_.begin(), allowed_.end(), [&](const CurveKey& key) {
    return std::memcmp(key.data(), credential.data(), key.size()) == 0;
  });
}

// Reply: version, request id, status code, status text, user id, metadata.
// REP sends never block (a reply with no reader is dropped).
bool ZapHandler::answer(const std::vector<zmq::message_t>& request) {
  const bool ok = admits(request);
  std::string user_id;
  if (ok) {
    std::array<char, 41> z85{};
    if (zmq_z85_encode(z85.data(), static_cast<const std::uint8_t*>(request[6].data()), 32))
      user_id = z85.data();
  }
  const std::string request_id = request.size() > 1 ? std::string(view(request[1])) : "";
  const auto more = zmq::send_flags::sndmore;
  socket_.send(zmq::str_buffer("1.0"), more);
  socket_.send(zmq::buffer(request_id), more);
  socket_.send(ok ? zmq::str_buffer("200") : zmq::str_buffer("400"), more);
  socket_.send(ok ? zmq::str_buffer("OK") : zmq::str_buffer("client key not allowed"), more);
  socket_.send(zmq::buffer(user_id), more);
  socket_.send(zmq::const_buffer(nullptr, 0), zmq::send_flags::none);
  return ok;
}

}  // namespace hearsay::gossip
