// CurveZMQ key generation and checks.
#include "hearsay/keys.hpp"

#include <zmq.h>

#include <stdexcept>

#include "membership/z85.hpp"

namespace hearsay {

KeyPair generate_keys() {
  char pub[41] = {};
  char sec[41] = {};
  if (zmq_curve_keypair(pub, sec) != 0)
    throw std::runtime_error(std::string("generate_keys: ") + zmq_strerror(zmq_errno()));
  return KeyPair{pub, sec};
}

bool is_z85_key(const std::string& key) noexcept {
  return membership::is_z85_key(key);
}

}  // namespace hearsay
