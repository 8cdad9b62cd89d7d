// CurveZMQ key pairs: what encrypts and authenticates hearsay traffic.
#pragma once

#include <string>

namespace hearsay {

// Z85-encoded (40 characters each), as `hearsay keygen` prints them.
struct KeyPair {
  std::string public_key;
  std::string secret_key;

  friend bool operator==(const KeyPair&, const KeyPair&) = default;
};

// A fresh random key pair. Throws std::runtime_error if ZeroMQ was built
// without CURVE support.
KeyPair generate_keys();

// True if `key` is 40 characters of the Z85 alphabet.
bool is_z85_key(const std::string& key) noexcept;

}  // namespace hearsay
