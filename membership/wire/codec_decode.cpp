// Decoding: untrusted bytes to a Message, or the reason they were dropped.
//
// msgpack-c parses the bytes into an object tree under element limits; the
// tree is then walked by hand with explicit type checks (never obj.as<T>(),
// which throws and coerces). Nothing throws out of decode.
//
// Reason per failure, where the layout leaves a choice:
//   - not an array, or first field not the u32 magic  -> bad_magic (whatever
//     its msgpack type: it is not a hearsay message at all)
//   - an array shorter than the layout                -> malformed (complete
//     msgpack, incomplete hearsay value); longer is fine (later versions)
//   - negative integer in an unsigned field           -> invalid_value (the
//     right kind of value, out of range), like state 9 or seq 2^32
//   - version: any non-negative integer but ours      -> bad_version
//   - type wider than u8 -> invalid_value; u8 outside 1..10 -> unknown_type
//   - duplicate key in a service's meta map           -> invalid_value
//   - allocation failure while parsing                -> oversized
// Fields are checked in layout order and the first problem is reported.
#include <limits>
#include <new>
#include <utility>

#include <msgpack.hpp>

#include "membership/wire/codec.hpp"

namespace hearsay::membership::wire {

namespace {

using Obj = msgpack::object;
namespace mtype = msgpack::type;

// The layout nests 7 deep (message > body > records > record > services >
// service > tags); the rest is headroom for fields later versions add.
constexpr std::size_t kMaxDepth = 16;
constexpr std::uint64_t kU32Max = std::numeric_limits<std::uint32_t>::max();

// Strings point into the input instead of being copied into the zone: the
// input outlives the tree, and each string is copied once into the Message.
bool reference_all(mtype::object_type, std::size_t, void*) {
  return true;
}

// The body alternative for a type already checked to be in 1..kMaxMessageType.
template <std::size_t... I>
Body make_body(std::size_t index, std::index_sequence<I...>) {
  Body b;
  ((I == index ? void(b.emplace<I>()) : void()), ...);
  return b;
}

Body make_body(MessageType t) {
  return make_body(static_cast<std::size_t>(t) - 1,
                   std::make_index_sequence<std::variant_size_v<Body>>{});
}

bool is_magic(const Obj& root) {
  if (root.type != mtype::ARRAY || root.via.array.size == 0) return false;
  const Obj& m = root.via.array.ptr[0];
  return m.type == mtype::POSITIVE_INTEGER && m.via.u64 == kMagic;
}

// Walks the tree. The first problem sticks and later reads become no-ops, so
// each reader is a straight list of its fields.
class Reader {
 public:
  explicit Reader(const DecodeLimits& limits) : limits_(limits) {}
  DropReason error() const { return error_; }
  void message(const Obj& root, std::string_view cluster, Message& m);

 private:
  class Fields;

  bool ok() const { return error_ == DropReason::none; }
  bool ready(const Obj* o) const { return ok() && o != nullptr; }
  void fail(DropReason r) {
    if (ok()) error_ = r;
  }

  void str(const Obj* o, std::string& out);
  void u64(const Obj* o, std::uint64_t& out);
  template <typename T>
  void bounded(const Obj* o, T& out, std::uint64_t max);
  void boolean(const Obj* o, bool& out);
  void incarnation(Fields& f, Incarnation& out);
  template <typename T>
  void list(const Obj* o, std::vector<T>& out, void (Reader::*item)(const Obj*, T&));
  void meta(const Obj* o, std::map<std::string, std::string>& out);
  void service(const Obj* o, Service& s);
  void services(const Obj* o, std::optional<std::vector<Service>>& out);
  void record(const Obj* o, MemberRecord& r);
  void summary(const Obj* o, SummaryEntry& e);
  void version(const Obj* o);
  void cluster_id(const Obj* o, std::string_view expected, std::string& out);
  void message_type(const Obj* o, MessageType& out);
  void sender(const Obj* o, Header& h);
  void body(const Obj* o, MessageType type, Body& b);

  void fields(Fields& f, Ping& b);
  void fields(Fields&, Ack&) {}
  void fields(Fields& f, PingReq& b);
  void fields(Fields& f, Nack& b);
  void fields(Fields&, Gossip&) {}
  void fields(Fields& f, SyncReq& b);
  void fields(Fields& f, SyncSummary& b);
  void fields(Fields& f, SyncPull& b);
  void fields(Fields& f, SyncRecords& b);
  void fields(Fields& f, ServicesPull& b);

  const DecodeLimits& limits_;
  DropReason error_ = DropReason::none;
};

// A cursor over one array's fields in layout order. Fields past the layout's
// are never read (forward compatible); a missing one is `malformed`.
class Reader::Fields {
 public:
  Fields(Reader& r, const Obj* o) : r_(r) {
    if (!r_.ready(o)) return;
    if (o->type != mtype::ARRAY) {
      r_.fail(DropReason::wrong_type);
      return;
    }
    it_ = o->via.array.ptr;
    end_ = it_ + o->via.array.size;
  }
  // Null exactly when the reader has failed.
  const Obj* next() {
    if (r_.ok() && it_ == end_) r_.fail(DropReason::malformed);
    return r_.ok() ? it_++ : nullptr;
  }
  // A field later versions added: null when absent (or the reader failed).
  const Obj* next_optional() { return r_.ok() && it_ != end_ ? it_++ : nullptr; }

 private:
  Reader& r_;
  const Obj* it_ = nullptr;
  const Obj* end_ = nullptr;
};

void Reader::str(const Obj* o, std::string& out) {
  if (!ready(o)) return;
  if (o->type != mtype::STR) return fail(DropReason::wrong_type);
  // An empty string may come with a null pointer.
  if (o->via.str.size == 0) return out.clear();
  out.assign(o->via.str.ptr, o->via.str.size);
}

void Reader::u64(const Obj* o, std::uint64_t& out) {
  if (!ready(o)) return;
  if (o->type == mtype::NEGATIVE_INTEGER) return fail(DropReason::invalid_value);
  if (o->type != mtype::POSITIVE_INTEGER) return fail(DropReason::wrong_type);
  out = o->via.u64;
}

// An unsigned field whose values run from 0 to `max` (a width or an enum).
template <typename T>
void Reader::bounded(const Obj* o, T& out, std::uint64_t max) {
  std::uint64_t v = 0;
  u64(o, v);
  if (!ok()) return;
  if (v > max) return fail(DropReason::invalid_value);
  out = static_cast<T>(v);
}

void Reader::boolean(const Obj* o, bool& out) {
  if (!ready(o)) return;
  if (o->type != mtype::BOOLEAN) return fail(DropReason::wrong_type);
  out = o->via.boolean;
}

void Reader::incarnation(Fields& f, Incarnation& out) {
  u64(f.next(), out.generation);
  u64(f.next(), out.counter);
}

// msgpack already bounded the length by max_array_items; elements are added
// as they are read, so a bad first element costs no big allocation.
template <typename T>
void Reader::list(const Obj* o, std::vector<T>& out, void (Reader::*item)(const Obj*, T&)) {
  if (!ready(o)) return;
  if (o->type != mtype::ARRAY) return fail(DropReason::wrong_type);
  const auto& a = o->via.array;
  if (a.size > limits_.max_array_items) return fail(DropReason::oversized);
  out.clear();
  for (std::uint32_t i = 0; i < a.size && ok(); ++i)
    (this->*item)(&a.ptr[i], out.emplace_back());
}

// A duplicate key makes the map ambiguous: invalid_value, rather than pick one.
void Reader::meta(const Obj* o, std::map<std::string, std::string>& out) {
  if (!ready(o)) return;
  if (o->type != mtype::MAP) return fail(DropReason::wrong_type);
  const auto& m = o->via.map;
  if (m.size > limits_.max_array_items) return fail(DropReason::oversized);
  for (std::uint32_t i = 0; i < m.size && ok(); ++i) {
    std::string key;
    std::string value;
    str(&m.ptr[i].key, key);
    str(&m.ptr[i].val, value);
    if (ok() && !out.emplace(std::move(key), std::move(value)).second) {
      fail(DropReason::invalid_value);
    }
  }
}

void Reader::service(const Obj* o, Service& s) {
  Fields f(*this, o);
  str(f.next(), s.name);
  str(f.next(), s.id);
  str(f.next(), s.endpoint);
  list(f.next(), s.tags, &Reader::str);
  meta(f.next(), s.meta);
  bounded(f.next(), s.health, static_cast<std::uint64_t>(Health::critical));
  bounded(f.next(), s.weight, kU32Max);
}

// nil: the set was announced by version only. Too many services is checked
// before any is read.
void Reader::services(const Obj* o, std::optional<std::vector<Service>>& out) {
  if (!ready(o)) return;
  if (o->type == mtype::NIL) return out.reset();
  if (o->type == mtype::ARRAY && o->via.array.size > limits_.max_services) {
    return fail(DropReason::oversized);
  }
  list(o, out.emplace(), &Reader::service);
}

void Reader::record(const Obj* o, MemberRecord& r) {
  Fields f(*this, o);
  str(f.next(), r.name);
  str(f.next(), r.endpoint);
  incarnation(f, r.incarnation);
  bounded(f.next(), r.state, static_cast<std::uint64_t>(MemberState::left));
  str(f.next(), r.from);
  incarnation(f, r.services_version);
  services(f.next(), r.services);
}

void Reader::summary(const Obj* o, SummaryEntry& e) {
  Fields f(*this, o);
  str(f.next(), e.name);
  incarnation(f, e.incarnation);
  bounded(f.next(), e.state, static_cast<std::uint64_t>(MemberState::left));
  incarnation(f, e.services_version);
}

void Reader::fields(Fields& f, Ping& b) {
  str(f.next(), b.target);
}

void Reader::fields(Fields& f, Nack& b) {
  if (const Obj* o = f.next_optional()) boolean(o, b.refused);
}

void Reader::fields(Fields& f, PingReq& b) {
  str(f.next(), b.target);
  str(f.next(), b.target_endpoint);
}

void Reader::fields(Fields& f, SyncReq& b) {
  boolean(f.next(), b.join);
  if (const Obj* o = f.next_optional()) {
    list(o, b.buckets, &Reader::u64);
    if (ok() && b.buckets.size() != kSyncBuckets) fail(DropReason::invalid_value);
  }
}

void Reader::fields(Fields& f, SyncSummary& b) {
  list(f.next(), b.entries, &Reader::summary);
  boolean(f.next(), b.reply);
}

void Reader::fields(Fields& f, SyncPull& b) {
  list(f.next(), b.names, &Reader::str);
}

void Reader::fields(Fields& f, SyncRecords& b) {
  list(f.next(), b.records, &Reader::record);
}

void Reader::fields(Fields& f, ServicesPull& b) {
  str(f.next(), b.name);
  incarnation(f, b.version);
}

// Checked before the cluster id: another version may lay fields out otherwise.
void Reader::version(const Obj* o) {
  std::uint64_t v = 0;
  u64(o, v);
  if (ok() && v != kProtocolVersion) fail(DropReason::bad_version);
}

void Reader::cluster_id(const Obj* o, std::string_view expected, std::string& out) {
  str(o, out);
  if (ok() && out != expected) fail(DropReason::foreign_cluster);
}

void Reader::message_type(const Obj* o, MessageType& out) {
  std::uint8_t t = 0;
  bounded(o, t, std::numeric_limits<std::uint8_t>::max());
  if (!ok()) return;
  if (t == 0 || t > kMaxMessageType) return fail(DropReason::unknown_type);
  out = static_cast<MessageType>(t);
}

void Reader::sender(const Obj* o, Header& h) {
  Fields f(*this, o);
  str(f.next(), h.sender);
  str(f.next(), h.sender_endpoint);
  incarnation(f, h.sender_incarnation);
}

void Reader::body(const Obj* o, MessageType type, Body& b) {
  if (!ready(o)) return;  // `type` is only valid if nothing failed before
  Fields f(*this, o);
  b = make_body(type);
  std::visit([&](auto& v) { fields(f, v); }, b);
}

void Reader::message(const Obj& root, std::string_view cluster, Message& m) {
  if (!is_magic(root)) return fail(DropReason::bad_magic);
  Fields f(*this, &root);
  f.next();  // the magic, checked above
  version(f.next());
  cluster_id(f.next(), cluster, m.header.cluster_id);
  message_type(f.next(), m.header.type);
  bounded(f.next(), m.header.seq, kU32Max);
  sender(f.next(), m.header);
  u64(f.next(), m.header.digest);
  body(f.next(), m.header.type, m.body);
  list(f.next(), m.news, &Reader::record);
}

DropReason parse(std::span<const std::uint8_t> bytes, std::string_view cluster,
                 const DecodeLimits& limits, Message& m) {
  const msgpack::unpack_limit limit(limits.max_array_items, limits.max_array_items,
                                    limits.max_string_bytes, limits.max_string_bytes,
                                    limits.max_string_bytes, kMaxDepth);
  std::size_t off = 0;
  const auto handle = msgpack::unpack(reinterpret_cast<const char*>(bytes.data()), bytes.size(),
                                      off, reference_all, nullptr, limit);
  if (off != bytes.size()) return DropReason::malformed;  // trailing bytes
  Reader reader(limits);
  reader.message(handle.get(), cluster, m);
  return reader.error();
}

// Maps everything msgpack-c (or the allocator) throws to a reason.
DropReason parse_guarded(std::span<const std::uint8_t> bytes, std::string_view cluster,
                         const DecodeLimits& limits, Message& m) noexcept {
  try {
    return parse(bytes, cluster, limits, m);
  } catch (const msgpack::insufficient_bytes&) {
    return DropReason::truncated;
  } catch (const msgpack::size_overflow&) {  // array, map, str, bin, ext or depth
    return DropReason::oversized;
  } catch (const std::bad_alloc&) {
    return DropReason::oversized;
  } catch (...) {  // msgpack::parse_error and anything unforeseen
    return DropReason::malformed;
  }
}

}  // namespace

DecodeResult decode(std::span<const std::uint8_t> bytes, std::string_view cluster_id,
                    const DecodeLimits& limits) {
  DecodeResult result;
  if (bytes.size() > limits.max_message_bytes) {
    result.reason = DropReason::oversized;
    return result;
  }
  result.reason = parse_guarded(bytes, cluster_id, limits, result.message);
  if (!result.ok()) result.message = Message{};  // no half-read message
  return result;
}

}  // namespace hearsay::membership::wire
