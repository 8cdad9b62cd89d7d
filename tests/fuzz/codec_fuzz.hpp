// The codec fuzz target's entry point and what it decodes with. The seed
// corpus generator uses the same cluster id and limits, so the drop reasons it
// expects are the ones the target sees.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "membership/wire/codec.hpp"

namespace hearsay::fuzz {

// One character, so mutated inputs get past the cluster check cheaply.
inline constexpr std::string_view kCluster = "c";

// Small limits, so the fuzzer reaches every limit check with small inputs.
inline membership::wire::DecodeLimits decode_limits() {
  membership::wire::DecodeLimits limits;
  limits.max_message_bytes = 1u << 16;
  limits.max_string_bytes = 256;
  limits.max_array_items = 64;
  limits.max_services = 8;
  return limits;
}

}  // namespace hearsay::fuzz

// libFuzzer's entry point; the replay test (replay_main.cpp) calls it too.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
