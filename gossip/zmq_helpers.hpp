// Small helpers over cppzmq shared by the transport and the ZAP handler.
#pragma once

#include <zmq.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace hearsay::gossip {

using CurveKey = std::array<std::uint8_t, 32>;

// Decodes a 40-character Z85 key; throws std::runtime_error naming `field`.
inline CurveKey decode_curve_key(const std::string& z85, const std::string& field) {
  CurveKey key{};
  if (z85.size() != 40 || zmq_z85_decode(key.data(), z85.c_str()) == nullptr)
    throw std::runtime_error("curve." + field + ": not a 40-character Z85 key");
  return key;
}

// The rest of a multipart message (parts arrive atomically, so they are all
// there once the first one is); kept in `out` unless it is null.
inline void receive_rest(zmq::socket_t& socket, const zmq::message_t& first,
                         std::vector<zmq::message_t>* out) {
  bool more = first.more();
  while (more) {
    zmq::message_t part;
    if (!socket.recv(part, zmq::recv_flags::dontwait)) return;
    more = part.more();
    if (out != nullptr) out->push_back(std::move(part));
  }
}

}  // namespace hearsay::gossip
