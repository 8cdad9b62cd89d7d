// CurveZMQ key generation and checks.
#include "hearsay/keys.hpp"

#include <zmq.h>

#include <stdexcept>
#include <string_view>

namespace hearsay {

KeyPair generate_keys() {
  char pub[41] = {};
  char sec[41] = {};
  if (zmq_curve_keypair(pub, sec) != 0)
    throw std::runtime_error(std::string("generate_keys: ") + zmq_strerror(zmq_errno()));
  return KeyPair{pub, sec};
}

bool is_z85_key(const std::string& key) noexcept {
  static constexpr std::string_view kAlphabet =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  if (key.size() != 40) return false;
  for (const char c : key)
    if (kAlphabet.find(c) == std::string_view::npos) return false;
  return true;
}

}  // namespace hearsay
