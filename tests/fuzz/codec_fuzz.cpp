// libFuzzer target for the codec: decode untrusted bytes; whatever decodes
// must survive a re-encode and decode to the same message.
//
// Not part of the CMake build (gcc has no libFuzzer). Build and run with clang:
//
//   cd /work/main && clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined \
//     -I. -Iinclude -DMSGPACK_NO_BOOST -DMSGPACK_DEFAULT_API_VERSION=3 \
//     tests/fuzz/codec_fuzz.cpp gossip/codec_encode.cpp gossip/codec_decode.cpp \
//     gossip/messages.cpp gossip/drop_reason.cpp membership/service.cpp \
//     -lxxhash -o /tmp/codec_fuzz
//   mkdir -p /tmp/codec_corpus && /tmp/codec_fuzz /tmp/codec_corpus -max_total_time=60
//
// (-lxxhash is only needed once the linked sources use xxhash.)
#include <cstdio>
#include <cstdlib>

#include "membership/wire/codec.hpp"

using namespace hearsay::membership::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Small limits so the fuzzer reaches the limit checks cheaply.
  DecodeLimits limits;
  limits.max_message_bytes = 1u << 16;
  limits.max_string_bytes = 256;
  limits.max_array_items = 64;
  limits.max_services = 8;

  // The cluster id is "c", so inputs can get past the cluster check.
  const auto first = decode({data, size}, "c", limits);
  if (!first.ok()) return 0;
  const auto bytes = encode(first.message);
  const auto again = decode(bytes, "c", limits);
  if (!again.ok() || !(again.message == first.message)) {
    std::fprintf(stderr, "re-encode mismatch: %s\n", std::string(to_string(again.reason)).c_str());
    std::abort();
  }
  return 0;
}
