// Encoding: values to msgpack, following the wire layout drawn in codec.hpp.
//
// One Writer template serves two streams: one that stores bytes and one that
// only counts them, so every encoded_size is exact by construction.
#include <msgpack.hpp>

#include "membership/wire/codec.hpp"

namespace hearsay::membership::wire {

namespace {

// Appends to a Bytes buffer; avoids sbuffer's extra copy into a vector.
struct ByteStream {
  Bytes& out;
  void write(const char* data, std::size_t n) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(data);
    out.insert(out.end(), p, p + n);
  }
};

// Counts bytes without storing them.
struct CountingStream {
  std::size_t size = 0;
  void write(const char*, std::size_t n) { size += n; }
};

// msgpack lengths are 32-bit; nothing we send comes near that, and encoding
// has no way to fail, so the length is narrowed as is.
std::uint32_t len32(std::size_t n) {
  return static_cast<std::uint32_t>(n);
}

template <typename Stream>
class Writer {
 public:
  explicit Writer(Stream& stream) : pk_(stream) {}

  void array(std::size_t n) { pk_.pack_array(len32(n)); }
  void u64(std::uint64_t v) { pk_.pack_uint64(v); }  // packs the shortest form
  void boolean(bool v) { v ? pk_.pack_true() : pk_.pack_false(); }
  void str(std::string_view s) {
    pk_.pack_str(len32(s.size()));
    pk_.pack_str_body(s.data(), len32(s.size()));
  }
  void incarnation(const Incarnation& i) {
    u64(i.generation);
    u64(i.counter);
  }

  void service(const Service& s);
  void services(const std::vector<Service>& list);
  void record(const MemberRecord& r);
  void summary(const SummaryEntry& e);
  void body(const Body& b) {
    std::visit([this](const auto& v) { fields(v); }, b);
  }
  // Opens the message array and writes everything before the news.
  void head(const Header& h, const Body& b);

 private:
  void fields(const Ping& b) {
    array(1);
    str(b.target);
  }
  void fields(const Ack&) { array(0); }
  void fields(const PingReq& b) {
    array(2);
    str(b.target);
    str(b.target_endpoint);
  }
  void fields(const Nack& b) {
    array(b.refused ? 1 : 0);
    if (b.refused) boolean(true);
  }
  void fields(const Gossip&) { array(0); }
  void fields(const SyncReq& b) {
    array(b.buckets.empty() ? 1 : 2);
    boolean(b.join);
    if (b.buckets.empty()) return;
    array(b.buckets.size());
    for (const auto d : b.buckets)
      u64(d);
  }
  void fields(const SyncSummary& b);
  void fields(const SyncPull& b);
  void fields(const SyncRecords& b);
  void fields(const ServicesPull& b) {
    array(3);
    str(b.name);
    incarnation(b.version);
  }

  msgpack::packer<Stream> pk_;
};

template <typename Stream>
void Writer<Stream>::service(const Service& s) {
  array(7);
  str(s.name);
  str(s.id);
  str(s.endpoint);
  array(s.tags.size());
  for (const auto& t : s.tags)
    str(t);
  pk_.pack_map(len32(s.meta.size()));
  for (const auto& [k, v] : s.meta) {
    str(k);
    str(v);
  }
  u64(static_cast<std::uint64_t>(s.health));
  u64(s.weight);
}

template <typename Stream>
void Writer<Stream>::services(const std::vector<Service>& list) {
  array(list.size());
  for (const auto& s : list)
    service(s);
}

template <typename Stream>
void Writer<Stream>::record(const MemberRecord& r) {
  array(9);
  str(r.name);
  str(r.endpoint);
  incarnation(r.incarnation);
  u64(static_cast<std::uint64_t>(r.state));
  str(r.from);
  incarnation(r.services_version);
  if (r.services) {
    services(*r.services);
  } else {
    pk_.pack_nil();  // announced by version only
  }
}

template <typename Stream>
void Writer<Stream>::summary(const SummaryEntry& e) {
  array(6);
  str(e.name);
  incarnation(e.incarnation);
  u64(static_cast<std::uint64_t>(e.state));
  incarnation(e.services_version);
}

template <typename Stream>
void Writer<Stream>::fields(const SyncSummary& b) {
  array(2);
  array(b.entries.size());
  for (const auto& e : b.entries)
    summary(e);
  boolean(b.reply);
}

template <typename Stream>
void Writer<Stream>::fields(const SyncPull& b) {
  array(1);
  array(b.names.size());
  for (const auto& n : b.names)
    str(n);
}

template <typename Stream>
void Writer<Stream>::fields(const SyncRecords& b) {
  array(1);
  array(b.records.size());
  for (const auto& r : b.records)
    record(r);
}

// The type on the wire is the body's: header.type is redundant with the body,
// and writing anything else would make the message undecodable.
template <typename Stream>
void Writer<Stream>::head(const Header& h, const Body& b) {
  array(9);
  u64(kMagic);
  u64(kProtocolVersion);
  str(h.cluster_id);
  u64(static_cast<std::uint64_t>(type_of(b)));
  u64(h.seq);
  array(4);
  str(h.sender);
  str(h.sender_endpoint);
  incarnation(h.sender_incarnation);
  u64(h.digest);
  body(b);
}

template <typename F>
std::size_t count(F&& write) {
  CountingStream counter;
  Writer<CountingStream> w(counter);
  write(w);
  return counter.size;
}

}  // namespace

Bytes encode_record(const MemberRecord& record) {
  Bytes out;
  ByteStream stream{out};
  Writer<ByteStream>(stream).record(record);
  return out;
}

std::size_t encoded_size(const std::vector<Service>& services) {
  return count([&](auto& w) { w.services(services); });
}

std::size_t encoded_size(const Service& service) {
  return count([&](auto& w) { w.service(service); });
}

Bytes encode(const Header& header, const Body& body, std::span<const Bytes> news) {
  Bytes out;
  std::size_t news_bytes = 0;
  for (const auto& n : news)
    news_bytes += n.size();
  out.reserve(news_bytes + 256);  // a guess at the head; saves most regrowth
  ByteStream stream{out};
  Writer<ByteStream> w(stream);
  w.head(header, body);
  w.array(news.size());
  for (const auto& n : news)
    out.insert(out.end(), n.begin(), n.end());
  return out;
}

Bytes encode(const Message& message) {
  Bytes out;
  ByteStream stream{out};
  Writer<ByteStream> w(stream);
  w.head(message.header, message.body);
  w.array(message.news.size());
  for (const auto& r : message.news)
    w.record(r);
  return out;
}

std::size_t encoded_size(const Header& header, const Body& body) {
  return count([&](auto& w) {
    w.head(header, body);
    w.array(0);  // empty news
  });
}

}  // namespace hearsay::membership::wire
