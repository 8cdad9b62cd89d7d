// Z85 (ZeroMQ RFC 32): the text form of CurveZMQ keys. Checking that a key
// is well-formed needs no cryptography, so it lives with the protocol's
// validation and not with the ZeroMQ transport.
#pragma once

#include <string_view>

namespace hearsay::membership {

// True if `key` is 40 characters of the Z85 alphabet (a 32-byte key).
bool is_z85_key(std::string_view key) noexcept;

}  // namespace hearsay::membership
