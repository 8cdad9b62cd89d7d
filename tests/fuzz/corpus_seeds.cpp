// The seed corpus. Valid seeds are encoded by the real encoder; each
// near-miss is a valid seed with one thing broken (a field's value or type, a
// missing or extra field, a limit crossed by one), so the fuzzer starts next
// to every check in decode's list instead of having to find the layout first.
#include "tests/fuzz/corpus_seeds.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include <msgpack.hpp>

#include "tests/fuzz/codec_fuzz.hpp"

namespace hearsay::fuzz {

namespace {

using namespace membership::wire;
using Path = std::initializer_list<std::size_t>;  // array indices from the root

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint32_t kU32Max = std::numeric_limits<std::uint32_t>::max();

// --- valid messages, small: one-letter names, short endpoints ---

Service service(std::string id, Health health = Health::passing) {
  return {.name = "web",
          .id = std::move(id),
          .endpoint = "tcp://h:80",
          .tags = {"v1", "eu"},
          .meta = {{"k", "v"}, {"z", ""}},
          .health = health,
          .weight = 3};
}

// `from` is set for the states someone declares (suspect, dead, left).
MemberRecord record(const std::string& name, MemberState state,
                    std::optional<std::vector<Service>> services) {
  return {.name = name,
          .endpoint = "tcp://" + name + ":1",
          .incarnation = {1000, 2},
          .state = state,
          .from = state == MemberState::alive ? "" : "b",
          .services_version = {1000, 1},
          .services = std::move(services)};
}

Message message(Body body, std::vector<MemberRecord> news = {}) {
  const auto type = type_of(body);
  return {.header = {.cluster_id = std::string(kCluster),
                     .type = type,
                     .seq = 7,
                     .sender = "a",
                     .sender_endpoint = "tcp://a:1",
                     .sender_incarnation = {1000, 1},
                     .digest = 0x5eed},
          .body = std::move(body),
          .news = std::move(news)};
}

// News of every state, with a service set, an empty one and one announced by
// version only (nil).
std::vector<MemberRecord> all_kinds_of_news() {
  return {
      record("b", MemberState::alive, std::vector{service("w1"), service("w2", Health::warning)}),
      record("d", MemberState::suspect, std::nullopt),
      record("e", MemberState::dead, std::vector<Service>{}),
      record("f", MemberState::left, std::nullopt)};
}

std::vector<std::string> names(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(std::string(1, static_cast<char>('a' + i % 26)));
  return out;
}

// --- near-misses: a valid encoding as a msgpack tree, one thing changed ---

class Edit {
 public:
  explicit Edit(const Bytes& valid)
      : handle_(msgpack::unpack(reinterpret_cast<const char*>(valid.data()), valid.size())),
        root_(handle_.get()) {}

  Edit& set(Path path, const msgpack::object& value) {
    at(path) = value;
    return *this;
  }
  Edit& set(Path path, const std::string& value) {
    return set(path, msgpack::object(value, zone()));
  }
  Edit& drop_last(Path path) {
    --at(path).via.array.size;
    return *this;
  }
  // An extra trailing field, as a later protocol version might add.
  Edit& append(Path path, const msgpack::object& value) {
    auto& a = at(path).via.array;
    auto* items = static_cast<msgpack::object*>(
        zone().allocate_align(sizeof(msgpack::object) * (a.size + 1)));
    std::copy(a.ptr, a.ptr + a.size, items);
    items[a.size++] = value;
    a.ptr = items;
    return *this;
  }
  // `depth` arrays, each the only item of the one around it.
  msgpack::object nested(std::size_t depth) {
    msgpack::object o{msgpack::type::nil_t{}};
    for (std::size_t i = 0; i < depth; ++i) {
      auto* item = static_cast<msgpack::object*>(zone().allocate_align(sizeof(msgpack::object)));
      *item = o;
      o.type = msgpack::type::ARRAY;
      o.via.array = {1, item};
    }
    return o;
  }
  msgpack::object& at(Path path) {
    msgpack::object* o = &root_;
    for (auto i : path)
      o = &o->via.array.ptr[i];
    return *o;
  }
  Bytes bytes() const {
    msgpack::sbuffer out;
    msgpack::pack(out, root_);
    return Bytes(out.data(), out.data() + out.size());
  }

 private:
  msgpack::zone& zone() { return *handle_.zone(); }

  msgpack::object_handle handle_;
  msgpack::object root_;
};

// Field positions in the layout drawn in codec.hpp.
constexpr std::size_t kMagicField = 0, kVersionField = 1, kClusterField = 2, kTypeField = 3,
                      kSeqField = 4, kSenderField = 5, kBodyField = 7, kNewsField = 8;
constexpr std::size_t kRecordState = 4, kRecordServices = 8;
constexpr std::size_t kServiceMeta = 4, kServiceHealth = 5;

msgpack::object uint(std::uint64_t v) {
  return msgpack::object(v);
}

Bytes encoded(Body body, std::vector<MemberRecord> news = {}) {
  return encode(message(std::move(body), std::move(news)));
}

}  // namespace

std::vector<Seed> corpus_seeds() {
  const auto ping = encoded(Ping{"b"});
  const auto gossip = encoded(Gossip{}, all_kinds_of_news());
  const auto ping_req = encoded(PingReq{"b", "tcp://b:1"});
  const auto sync_req = encoded(SyncReq{true, {}});
  const auto sync_req_buckets =
      encoded(SyncReq{false, std::vector<std::uint64_t>(kSyncBuckets, 0x5eed5eed5eedULL)});

  // Every integer at its largest; the record's strings empty.
  auto max_values =
      message(SyncRecords{{{.name = "",
                            .endpoint = "",
                            .incarnation = {kU64Max, kU64Max},
                            .state = MemberState::left,
                            .from = "",
                            .services_version = {kU64Max, kU64Max},
                            .services = std::vector{Service{.name = "",
                                                            .id = "",
                                                            .endpoint = "",
                                                            .tags = {},
                                                            .meta = {},
                                                            .health = Health::critical,
                                                            .weight = kU32Max}}}}});
  max_values.header.seq = kU32Max;
  max_values.header.digest = kU64Max;

  auto too_many_services = record("b", MemberState::alive, std::vector<Service>{});
  for (std::size_t i = 0; i < decode_limits().max_services + 1; ++i)
    too_many_services.services->push_back(service("w" + std::to_string(i)));
  const auto longest = decode_limits().max_string_bytes;
  const auto most = decode_limits().max_array_items;
  constexpr auto none = DropReason::none;

  return {
      // One valid message of each type; news on ack, gossip and sync_records.
      {"valid-ping", ping, none},
      {"valid-ack-news",
       encoded(Ack{}, {record("b", MemberState::alive, std::vector{service("w1")})}), none},
      {"valid-ping_req", ping_req, none},
      {"valid-nack", encoded(Nack{}), none},
      {"valid-gossip-news", gossip, none},
      {"valid-sync_req", sync_req, none},
      {"valid-sync_req-buckets", sync_req_buckets, none},
      {"valid-sync_summary",
       encoded(SyncSummary{{{"b", {1000, 2}, MemberState::alive, {1000, 1}},
                            {"d", {9, 0}, MemberState::dead, {0, 0}}},
                           true}),
       none},
      {"valid-sync_pull", encoded(SyncPull{{"b", "d"}}), none},
      {"valid-sync_records", encoded(SyncRecords{all_kinds_of_news()}), none},
      {"valid-services_pull", encoded(ServicesPull{"b", {1000, 4}}), none},
      // Valid at the edges: largest values, limits reached but not crossed,
      // fields a later version might add (skipped).
      {"valid-max-values", encode(max_values), none},
      {"valid-longest-string", encoded(Ping{std::string(longest, 'x')}), none},
      {"valid-most-items", encoded(SyncPull{names(most)}), none},
      {"valid-extra-fields",
       Edit(gossip)
           .append({}, uint(1))
           .append({kSenderField}, uint(2))
           .append({kNewsField, 0}, uint(3))
           .append({kNewsField, 0, kRecordServices, 0}, uint(4))
           .bytes(),
       none},
      // Near-misses: one or more for each check decode makes.
      {"reject-empty", {}, DropReason::truncated},
      {"reject-truncated", Bytes(gossip.begin(), gossip.end() - 1), DropReason::truncated},
      {"reject-trailing-byte",
       [&] {
         auto b = ping;
         b.push_back(0xc0);
         return b;
       }(),
       DropReason::malformed},
      {"reject-not-array", Edit(ping).set({}, uint(1)).bytes(), DropReason::bad_magic},
      {"reject-bad-magic", Edit(ping).set({kMagicField}, uint(kMagic + 1)).bytes(),
       DropReason::bad_magic},
      {"reject-bad-version", Edit(ping).set({kVersionField}, uint(kProtocolVersion + 1)).bytes(),
       DropReason::bad_version},
      {"reject-foreign-cluster", Edit(ping).set({kClusterField}, std::string("d")).bytes(),
       DropReason::foreign_cluster},
      {"reject-cluster-not-str", Edit(ping).set({kClusterField}, uint(5)).bytes(),
       DropReason::wrong_type},
      {"reject-type-zero", Edit(ping).set({kTypeField}, uint(0)).bytes(), DropReason::unknown_type},
      {"reject-type-unknown", Edit(ping).set({kTypeField}, uint(kMaxMessageType + 1)).bytes(),
       DropReason::unknown_type},
      {"reject-type-not-u8", Edit(ping).set({kTypeField}, uint(256)).bytes(),
       DropReason::invalid_value},
      {"reject-seq-negative", Edit(ping).set({kSeqField}, msgpack::object(-1)).bytes(),
       DropReason::invalid_value},
      {"reject-seq-over-u32", Edit(ping).set({kSeqField}, uint(std::uint64_t{kU32Max} + 1)).bytes(),
       DropReason::invalid_value},
      {"reject-short-message", Edit(ping).drop_last({}).bytes(), DropReason::malformed},
      {"reject-short-body", Edit(ping_req).drop_last({kBodyField}).bytes(), DropReason::malformed},
      {"reject-join-not-bool", Edit(sync_req).set({kBodyField, 0}, uint(1)).bytes(),
       DropReason::wrong_type},
      {"reject-buckets-short", Edit(sync_req_buckets).drop_last({kBodyField, 1}).bytes(),
       DropReason::invalid_value},
      {"reject-bucket-negative",
       Edit(sync_req_buckets).set({kBodyField, 1, 5}, msgpack::object(-1)).bytes(),
       DropReason::invalid_value},
      {"reject-record-state", Edit(gossip).set({kNewsField, 0, kRecordState}, uint(4)).bytes(),
       DropReason::invalid_value},
      {"reject-service-health",
       Edit(gossip).set({kNewsField, 0, kRecordServices, 0, kServiceHealth}, uint(3)).bytes(),
       DropReason::invalid_value},
      {"reject-duplicate-meta-key",
       [&] {
         Edit e(gossip);
         auto& meta = e.at({kNewsField, 0, kRecordServices, 0, kServiceMeta}).via.map;
         meta.ptr[1].key = meta.ptr[0].key;
         return e.bytes();
       }(),
       DropReason::invalid_value},
      {"reject-string-too-long", encoded(Ping{std::string(longest + 1, 'x')}),
       DropReason::oversized},
      {"reject-too-many-items", encoded(SyncPull{names(most + 1)}), DropReason::oversized},
      {"reject-too-many-services", encoded(Gossip{}, {too_many_services}), DropReason::oversized},
      // decode allows 16 levels of nesting; the message is one, so 16 more cross it.
      {"reject-too-deep",
       [&] {
         Edit e(ping);
         return e.append({}, e.nested(16)).bytes();
       }(),
       DropReason::oversized},
  };
}

}  // namespace hearsay::fuzz
