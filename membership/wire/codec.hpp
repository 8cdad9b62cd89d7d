// Codec: messages to msgpack bytes and back.
//
// Encoding cannot fail. Decoding takes untrusted bytes: it never throws out of
// this interface, never reads out of bounds, and returns either a Message or
// the reason it was rejected. Unknown trailing fields in any array are skipped
// so later protocol versions can add fields (forward compatible).
//
// Wire layout (every compound is a msgpack array; "..." = later fields, skipped):
//
//   message  := [ magic:u32 = 0x48534159 ("HSAY"), version:u32 = 1,
//                 cluster:str, type:u8, seq:u32,
//                 sender:[ name:str, endpoint:str, gen:u64, ctr:u64 ],
//                 digest:u64, body:array, news:[ record* ], ... ]
//   record   := [ name:str, endpoint:str, gen:u64, ctr:u64, state:u8 (0..3),
//                 from:str, sv_gen:u64, sv_ctr:u64, services:(nil | [ service* ]), ... ]
//   service  := [ name:str, id:str, endpoint:str, tags:[ str* ], meta:{ str: str },
//                 health:u8 (0..2), weight:u32, ... ]
//   summary  := [ name:str, gen:u64, ctr:u64, state:u8, sv_gen:u64, sv_ctr:u64, ... ]
//
//   body by type:
//     1 ping          [ target:str ]
//     2 ack           [ ]
//     3 ping_req      [ target:str, target_endpoint:str ]
//     4 nack          [ refused:bool (optional, written only when true) ]
//     5 gossip        [ ]
//     6 sync_req      [ join:bool, buckets:[ u64* ] (optional: 0 or 64 digests) ]
//     7 sync_summary  [ entries:[ summary* ], reply:bool ]
//     8 sync_pull     [ names:[ str* ] ]
//     9 sync_records  [ records:[ record* ] ]
//    10 services_pull [ name:str, sv_gen:u64, sv_ctr:u64 ]
//
// Checks, in order: size limit, msgpack well-formed (with element limits),
// magic, version, cluster id, type, then every field's type and range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "membership/wire/drop_reason.hpp"
#include "membership/wire/messages.hpp"

namespace hearsay::membership::wire {

using Bytes = std::vector<std::uint8_t>;

struct DecodeLimits {
  std::size_t max_message_bytes = 4u << 20;
  std::size_t max_string_bytes = 64u << 10;  // any one string
  std::size_t max_array_items = 1u << 16;    // any one array or map
  std::size_t max_services = 1024;           // per record
};

struct DecodeResult {
  DropReason reason = DropReason::none;  // none <=> message is valid
  Message message;
  bool ok() const noexcept { return reason == DropReason::none; }
};

// One news item / record, encoded on its own so the broadcast queue can
// piggyback it as-is on many messages.
Bytes encode_record(const MemberRecord& record);

// Encoded size of a service set as it appears inside a record.
std::size_t encoded_size(const std::vector<Service>& services);
std::size_t encoded_size(const Service& service);

// A whole message; `news` are records already encoded with encode_record.
Bytes encode(const Header& header, const Body& body, std::span<const Bytes> news);
// Convenience for tests and tools: encodes message.news itself.
Bytes encode(const Message& message);

// Header and body fixed overhead, to plan payload budgets.
std::size_t encoded_size(const Header& header, const Body& body);

DecodeResult decode(std::span<const std::uint8_t> bytes, std::string_view cluster_id,
                    const DecodeLimits& limits = {});

}  // namespace hearsay::membership::wire
