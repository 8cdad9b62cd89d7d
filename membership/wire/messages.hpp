// Messages: the values the protocol core exchanges, before encoding.
//
// Every message is a header (who sent it, its digest, its type and sequence),
// a body that depends on the type, and the news piggybacked on it. News items
// and anti-entropy records share one shape, MemberRecord: a member's state as
// the sender knows it. The wire layout is drawn in codec.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hearsay/service.hpp"
#include "membership/incarnation.hpp"

namespace hearsay::membership::wire {

using membership::Incarnation;

inline constexpr std::uint32_t kMagic = 0x48534159;  // "HSAY"
inline constexpr std::uint32_t kProtocolVersion = 1;

enum class MessageType : std::uint8_t {
  ping = 1,           // are you alive? (direct probe)
  ack = 2,            // yes (or: the member you asked me to probe is)
  ping_req = 3,       // please probe `target` for me (indirect probe)
  nack = 4,           // I probed for you and heard nothing
  gossip = 5,         // news only
  sync_req = 6,       // anti-entropy: here is my digest
  sync_summary = 7,   // anti-entropy: digests differ, here is what I hold
  sync_pull = 8,      // anti-entropy: send me these members' full records
  sync_records = 9,   // anti-entropy: full records
  services_pull = 10  // send me this member's service set at >= version
};
inline constexpr std::uint8_t kMaxMessageType = 10;
// Bucket digests in a sync_req (equal to membership::kDigestBuckets).
inline constexpr std::size_t kSyncBuckets = 64;

// A member's state as the sender knows it. As news it is piggybacked; in a
// sync it is a full record. `services` is absent when the set was announced
// by version only (too large for the payload budget): receivers pull it.
struct MemberRecord {
  std::string name;
  std::string endpoint;
  Incarnation incarnation;
  MemberState state = MemberState::alive;
  std::string from;  // who declared suspect or dead; empty otherwise
  Incarnation services_version;
  std::optional<std::vector<Service>> services;

  friend bool operator==(const MemberRecord&, const MemberRecord&) = default;
};

// One line of an anti-entropy summary: enough to tell who is newer.
struct SummaryEntry {
  std::string name;
  Incarnation incarnation;
  MemberState state = MemberState::alive;
  Incarnation services_version;

  friend bool operator==(const SummaryEntry&, const SummaryEntry&) = default;
};

struct Header {
  std::string cluster_id;
  MessageType type = MessageType::gossip;
  std::uint32_t seq = 0;
  std::string sender;           // sender's member name
  std::string sender_endpoint;  // where to answer
  Incarnation sender_incarnation;
  std::uint64_t digest = 0;  // sender's state digest when it sent this

  friend bool operator==(const Header&, const Header&) = default;
};

struct Ping {
  std::string target;  // the name the prober expects to answer
  friend bool operator==(const Ping&, const Ping&) = default;
};
struct Ack {
  friend bool operator==(const Ack&, const Ack&) = default;
};
struct PingReq {
  std::string target;
  std::string target_endpoint;
  friend bool operator==(const PingReq&, const PingReq&) = default;
};
struct Nack {
  // The helper's own connection attempt to the target was refused (the
  // target's host is up and nothing listens there): evidence of a crash.
  bool refused = false;
  friend bool operator==(const Nack&, const Nack&) = default;
};
struct Gossip {
  friend bool operator==(const Gossip&, const Gossip&) = default;
};
struct SyncReq {
  bool join = false;  // a joining node: answer with every live record
  // The sender's digest per bucket (membership::kDigestBuckets of them), or
  // empty: the receiver then answers with a whole summary.
  std::vector<std::uint64_t> buckets;
  friend bool operator==(const SyncReq&, const SyncReq&) = default;
};
struct SyncSummary {
  std::vector<SummaryEntry> entries;
  bool reply = false;  // the receiver should answer with its own records/pulls
  friend bool operator==(const SyncSummary&, const SyncSummary&) = default;
};
struct SyncPull {
  std::vector<std::string> names;
  friend bool operator==(const SyncPull&, const SyncPull&) = default;
};
struct SyncRecords {
  std::vector<MemberRecord> records;
  friend bool operator==(const SyncRecords&, const SyncRecords&) = default;
};
struct ServicesPull {
  std::string name;
  Incarnation version;
  friend bool operator==(const ServicesPull&, const ServicesPull&) = default;
};

// Index order matches MessageType - 1.
using Body = std::variant<Ping, Ack, PingReq, Nack, Gossip, SyncReq, SyncSummary, SyncPull,
                          SyncRecords, ServicesPull>;

struct Message {
  Header header;
  Body body;
  std::vector<MemberRecord> news;

  friend bool operator==(const Message&, const Message&) = default;
};

MessageType type_of(const Body& body) noexcept;
std::string_view to_string(MessageType t) noexcept;

}  // namespace hearsay::membership::wire
