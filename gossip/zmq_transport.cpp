// ZmqTransport over libzmq/cppzmq. One PULL socket in, a PUSH socket per peer
// out (an LRU list, most recently used first), a PAIR socket per PUSH that
// reads the libzmq monitor of that PUSH, and with CURVE a REP socket acting
// as the context's ZAP handler. Nothing here blocks: every receive and every
// send to a peer uses dontwait, and ZeroMQ errors on the data path are
// counted, never thrown.
#include "gossip/zmq_transport.hpp"

#include <zmq.h>

#include <zmq.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <limits>
#include <list>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace hearsay::gossip {
namespace {

constexpr int reconnect_ivl_ms = 100;
constexpr int reconnect_ivl_max_ms = 5000;
constexpr const char* zap_endpoint = "inproc://zeromq.zap.01";
constexpr std::string_view zap_domain = "hearsay";
// Bounds on the work one service() call does.
constexpr std::size_t zap_requests_per_service = 256;
constexpr std::size_t monitor_events_per_service = 64;
constexpr std::size_t default_receive_batch = 10000;

using CurveKey = std::array<std::uint8_t, 32>;

// Monitor endpoints must be unique within a context; one counter per process
// makes them unique in every context.
std::atomic<std::uint64_t> next_monitor_id{0};

CurveKey decode_key(const std::string& z85, const std::string& field) {
  CurveKey key{};
  if (z85.size() != 40 || zmq_z85_decode(key.data(), z85.c_str()) == nullptr)
    throw std::runtime_error("curve." + field + ": not a 40-character Z85 key");
  return key;
}

// ZeroMQ spells "any port" as `*`; accept the usual `:0` too.
std::string bind_address(const std::string& endpoint) {
  if (endpoint.starts_with("tcp://") && endpoint.ends_with(":0"))
    return endpoint.substr(0, endpoint.size() - 1) + "*";
  return endpoint;
}

std::string_view view(const zmq::message_t& frame) {
  return {static_cast<const char*>(frame.data()), frame.size()};
}

// The rest of a multipart message: parts arrive atomically, so they are all
// there once the first one is.
void receive_rest(zmq::socket_t& socket, const zmq::message_t& first,
                  std::vector<zmq::message_t>* out) {
  bool more = first.more();
  while (more) {
    zmq::message_t part;
    if (!socket.recv(part, zmq::recv_flags::dontwait)) return;
    more = part.more();
    if (out != nullptr) out->push_back(std::move(part));
  }
}

}  // namespace

struct ZmqTransport::Impl {
  struct Peer {
    std::string endpoint;  // the pool key, as given to send()
    zmq::socket_t push;
    zmq::socket_t monitor;  // PAIR reading the PUSH socket's monitor
    std::chrono::steady_clock::time_point last_used;
  };
  using Peers = std::list<Peer>;

  Impl(zmq::context_t& context, TransportOptions options);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void setup_curve();
  void bind_inbound();
  Peer* peer_for(const std::string& endpoint);  // nullptr if the pool is size 0
  Peer open(const std::string& endpoint);       // throws zmq::error_t
  void close(Peers::iterator it);
  void serve_zap();
  void answer_zap(const std::vector<zmq::message_t>& request);
  bool admits(const std::vector<zmq::message_t>& request) const;
  void drain_monitor(Peer& peer);
  void update_open() { stats_.open_connections = peers_.size(); }

  zmq::context_t& context_;
  TransportOptions options_;
  TransportStats stats_;
  std::vector<CurveKey> allowed_;
  zmq::socket_t zap_;  // declared before inbound_ so it outlives it
  zmq::socket_t inbound_;
  std::string bound_;
  Peers peers_;  // most recently used first
  std::unordered_map<std::string, Peers::iterator> by_endpoint_;
  std::vector<std::string> closed_;
};

ZmqTransport::Impl::Impl(zmq::context_t& context, TransportOptions options)
    : context_(context), options_(std::move(options)) {
  if (options_.bind.empty()) throw std::runtime_error("bind: endpoint is empty");
  try {
    if (options_.curve) setup_curve();
    bind_inbound();
  } catch (const zmq::error_t& e) {
    throw std::runtime_error(std::string("zmq transport: ") + e.what());
  }
}

ZmqTransport::Impl::~Impl() {
  for (auto& peer : peers_)
    zmq_socket_monitor(peer.push.handle(), nullptr, 0);
}

void ZmqTransport::Impl::setup_curve() {
  auto& curve = *options_.curve;
  if (zmq_has("curve") == 0)
    throw std::runtime_error("curve: this libzmq was built without CURVE support");
  decode_key(curve.server_public, "server_public");
  decode_key(curve.server_secret, "server_secret");
  decode_key(curve.client_public, "client_public");
  decode_key(curve.client_secret, "client_secret");
  if (curve.allowed_client_keys.empty()) curve.allowed_client_keys.push_back(curve.client_public);
  for (const auto& key : curve.allowed_client_keys)
    allowed_.push_back(decode_key(key, "allowed_client_keys"));

  zap_ = zmq::socket_t(context_, zmq::socket_type::rep);
  zap_.set(zmq::sockopt::linger, 0);
  try {
    zap_.bind(zap_endpoint);
  } catch (const zmq::error_t& e) {
    throw std::runtime_error(std::string("curve: cannot bind the ZAP handler ") + zap_endpoint +
                             " (one CURVE transport per zmq::context_t): " + e.what());
  }
}

void ZmqTransport::Impl::bind_inbound() {
  inbound_ = zmq::socket_t(context_, zmq::socket_type::pull);
  inbound_.set(zmq::sockopt::linger, 0);
  inbound_.set(zmq::sockopt::rcvhwm, options_.receive_hwm);
  constexpr auto max_size = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  inbound_.set(zmq::sockopt::maxmsgsize,
               static_cast<std::int64_t>(std::min(options_.max_message_bytes, max_size)));
  // Only for an IPv6 literal: with ZMQ_IPV6 an IPv4 bind is dual-stack and
  // reports itself as tcp://[::ffff:127.0.0.1]:port, which peers would then
  // have to dial. PUSH sockets always set it so they can dial either family.
  inbound_.set(zmq::sockopt::ipv6, options_.bind.find('[') != std::string::npos);
  if (options_.curve) {
    inbound_.set(zmq::sockopt::curve_server, true);
    inbound_.set(zmq::sockopt::curve_secretkey, options_.curve->server_secret);
    inbound_.set(zmq::sockopt::zap_domain, std::string(zap_domain));
  }
  try {
    inbound_.bind(bind_address(options_.bind));
  } catch (const zmq::error_t& e) {
    throw std::runtime_error("bind " + options_.bind + ": " + e.what());
  }
  bound_ = inbound_.get(zmq::sockopt::last_endpoint);
}

ZmqTransport::Impl::Peer* ZmqTransport::Impl::peer_for(const std::string& endpoint) {
  const auto now = std::chrono::steady_clock::now();
  if (auto it = by_endpoint_.find(endpoint); it != by_endpoint_.end()) {
    peers_.splice(peers_.begin(), peers_, it->second);
    peers_.front().last_used = now;
    return &peers_.front();
  }
  if (options_.max_connections == 0) return nullptr;
  while (peers_.size() >= options_.max_connections)
    close(std::prev(peers_.end()));
  peers_.push_front(open(endpoint));
  peers_.front().last_used = now;
  by_endpoint_.emplace(endpoint, peers_.begin());
  ++stats_.connections_opened;
  update_open();
  return &peers_.front();
}

ZmqTransport::Impl::Peer ZmqTransport::Impl::open(const std::string& endpoint) {
  Peer peer{endpoint, zmq::socket_t(context_, zmq::socket_type::push), {}, {}};
  auto& push = peer.push;
  push.set(zmq::sockopt::linger, 0);
  push.set(zmq::sockopt::sndhwm, options_.send_hwm);
  push.set(zmq::sockopt::ipv6, true);
  push.set(zmq::sockopt::immediate, false);  // queue (up to the HWM) until connected
  push.set(zmq::sockopt::reconnect_ivl, reconnect_ivl_ms);
  push.set(zmq::sockopt::reconnect_ivl_max, reconnect_ivl_max_ms);
  if (options_.curve) {
    push.set(zmq::sockopt::curve_serverkey, options_.curve->server_public);
    push.set(zmq::sockopt::curve_publickey, options_.curve->client_public);
    push.set(zmq::sockopt::curve_secretkey, options_.curve->client_secret);
  }
  // Monitor before connecting so no event is missed.
  const auto address = "inproc://hearsay-mon-" + std::to_string(next_monitor_id++);
  if (zmq_socket_monitor(push.handle(), address.c_str(), ZMQ_EVENT_DISCONNECTED) != 0)
    throw zmq::error_t();
  peer.monitor = zmq::socket_t(context_, zmq::socket_type::pair);
  peer.monitor.set(zmq::sockopt::linger, 0);
  peer.monitor.connect(address);
  push.connect(endpoint);  // on error the destructors close both sockets
  return peer;
}

void ZmqTransport::Impl::close(Peers::iterator it) {
  zmq_socket_monitor(it->push.handle(), nullptr, 0);  // our own close is no hint
  by_endpoint_.erase(it->endpoint);
  peers_.erase(it);
  ++stats_.connections_closed;
  update_open();
}

void ZmqTransport::Impl::serve_zap() {
  for (std::size_t i = 0; i < zap_requests_per_service; ++i) {
    std::vector<zmq::message_t> request(1);
    if (!zap_.recv(request.front(), zmq::recv_flags::dontwait)) return;
    receive_rest(zap_, request.front(), &request);
    answer_zap(request);
  }
}

// RFC 27 request: version, request id, domain, address, routing id,
// mechanism, credentials (CURVE: the client's 32-byte public key).
bool ZmqTransport::Impl::admits(const std::vector<zmq::message_t>& request) const {
  if (request.size() < 7 || view(request[0]) != "1.0") return false;
  if (view(request[2]) != zap_domain || view(request[5]) != "CURVE") return false;
  const auto& credential = request[6];
  if (credential.size() != sizeof(CurveKey)) return false;
  return std::any_of(allowed_.begin(), allowed_.end(), [&](const CurveKey& key) {
    return std::memcmp(key.data(), credential.data(), key.size()) == 0;
  });
}

// RFC 27 reply: version, request id, status code, status text, user id,
// metadata. REP sends never block (a reply with no reader is dropped).
void ZmqTransport::Impl::answer_zap(const std::vector<zmq::message_t>& request) {
  const bool ok = admits(request);
  if (!ok) ++stats_.zap_denied;
  std::string user_id;
  if (ok) {
    std::array<char, 41> z85{};
    if (zmq_z85_encode(z85.data(), static_cast<const std::uint8_t*>(request[6].data()), 32))
      user_id = z85.data();
  }
  const std::string request_id = request.size() > 1 ? std::string(view(request[1])) : "";
  const auto more = zmq::send_flags::sndmore;
  zap_.send(zmq::str_buffer("1.0"), more);
  zap_.send(zmq::buffer(request_id), more);
  zap_.send(ok ? zmq::str_buffer("200") : zmq::str_buffer("400"), more);
  zap_.send(ok ? zmq::str_buffer("OK") : zmq::str_buffer("client key not allowed"), more);
  zap_.send(zmq::buffer(user_id), more);
  zap_.send(zmq::const_buffer(nullptr, 0), zmq::send_flags::none);
}

// Each event is two frames: 6 bytes (uint16 event, uint32 value), then the
// resolved address; the pool key is what the runtime knows the peer by.
void ZmqTransport::Impl::drain_monitor(Peer& peer) {
  for (std::size_t i = 0; i < monitor_events_per_service; ++i) {
    zmq::message_t event;
    if (!peer.monitor.recv(event, zmq::recv_flags::dontwait)) return;
    receive_rest(peer.monitor, event, nullptr);
    if (event.size() < 6) continue;
    std::uint16_t id = 0;
    std::memcpy(&id, event.data(), sizeof id);
    if (id != ZMQ_EVENT_DISCONNECTED) continue;
    ++stats_.peer_disconnects;
    if (std::find(closed_.begin(), closed_.end(), peer.endpoint) == closed_.end())
      closed_.push_back(peer.endpoint);
  }
}

ZmqTransport::ZmqTransport(zmq::context_t& context, TransportOptions options)
    : impl_(std::make_unique<Impl>(context, std::move(options))) {}

ZmqTransport::~ZmqTransport() = default;

const std::string& ZmqTransport::bound_endpoint() const {
  return impl_->bound_;
}

bool ZmqTransport::send(const std::string& endpoint, std::span<const std::uint8_t> bytes) {
  auto& stats = impl_->stats_;
  try {
    auto* peer = impl_->peer_for(endpoint);
    if (peer != nullptr &&
        peer->push.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait)) {
      ++stats.sent;
      return true;
    }
  } catch (const zmq::error_t&) {
    // A malformed endpoint or a socket error: a lost datagram like any other.
  }
  ++stats.send_dropped;
  return false;
}

std::vector<std::vector<std::uint8_t>> ZmqTransport::receive_all() {
  auto& impl = *impl_;
  const std::size_t limit = impl.options_.receive_hwm > 0
                                ? static_cast<std::size_t>(impl.options_.receive_hwm)
                                : default_receive_batch;
  std::vector<std::vector<std::uint8_t>> out;
  try {
    while (out.size() < limit) {
      zmq::message_t message;
      if (!impl.inbound_.recv(message, zmq::recv_flags::dontwait)) break;
      if (message.more()) {  // hearsay never sends multipart: not ours
        receive_rest(impl.inbound_, message, nullptr);
        ++impl.stats_.receive_dropped;
        continue;
      }
      const auto* data = static_cast<const std::uint8_t*>(message.data());
      out.emplace_back(data, data + message.size());
      ++impl.stats_.received;
    }
  } catch (const zmq::error_t&) {
    ++impl.stats_.receive_dropped;
  }
  return out;
}

zmq::socket_t& ZmqTransport::inbound() {
  return impl_->inbound_;
}

std::vector<zmq::socket_t*> ZmqTransport::poll_sockets() {
  auto& impl = *impl_;
  std::vector<zmq::socket_t*> sockets{&impl.inbound_};
  if (impl.zap_.handle() != nullptr) sockets.push_back(&impl.zap_);
  for (auto& peer : impl.peers_)
    sockets.push_back(&peer.monitor);
  return sockets;
}

void ZmqTransport::service(std::chrono::steady_clock::time_point now) {
  auto& impl = *impl_;
  try {
    if (impl.zap_.handle() != nullptr) impl.serve_zap();
    for (auto& peer : impl.peers_)
      impl.drain_monitor(peer);
  } catch (const zmq::error_t&) {
    // Only when the context is being terminated; nothing left to serve.
  }
  const auto idle = impl.options_.idle_close;
  if (idle.count() <= 0) return;
  while (!impl.peers_.empty() && now - impl.peers_.back().last_used > idle)
    impl.close(std::prev(impl.peers_.end()));
}

std::vector<std::string> ZmqTransport::take_closed() {
  return std::exchange(impl_->closed_, {});
}

void ZmqTransport::disconnect(const std::string& endpoint) {
  auto& impl = *impl_;
  if (auto it = impl.by_endpoint_.find(endpoint); it != impl.by_endpoint_.end())
    impl.close(it->second);
}

const TransportStats& ZmqTransport::stats() const {
  return impl_->stats_;
}

}  // namespace hearsay::gossip
