// libFuzzer target for the codec: decode untrusted bytes; whatever decodes
// must survive a re-encode and decode to the same message. Sanitizers report
// out-of-bounds reads and undefined behaviour on the way.
//
// Built with clang by scripts/fuzz.sh (tests/fuzz/CMakeLists.txt), and with
// any compiler into hearsay_fuzz_replay, which replays tests/fuzz/corpus as
// an ordinary test. docs/fuzzing.md says how to run it.
#include "tests/fuzz/codec_fuzz.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace hearsay::membership::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto limits = hearsay::fuzz::decode_limits();
  const auto first = decode({data, size}, hearsay::fuzz::kCluster, limits);
  if (!first.ok()) return 0;
  const auto bytes = encode(first.message);
  const auto again = decode(bytes, hearsay::fuzz::kCluster, limits);
  if (!again.ok() || !(again.message == first.message)) {
    std::fprintf(stderr, "re-encode mismatch: %s\n", std::string(to_string(again.reason)).c_str());
    std::abort();
  }
  return 0;
}
