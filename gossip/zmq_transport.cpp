// ZmqTransport over libzmq/cppzmq. One PULL socket in, a PUSH socket per peer
// out (an LRU list, most recently used first), a PAIR socket per PUSH that
// reads the libzmq monitor of that PUSH, and with CURVE a REP socket acting
// as the context's ZAP handler. A peer whose handshake fails is reopened with
// the next CURVE key choice (key rotation). Nothing here blocks: every receive and every
// send to a peer uses dontwait, and ZeroMQ errors on the data path are
// counted, never thrown.
#include "gossip/zmq_transport.hpp"

#include "gossip/zap_handler.hpp"
#include "gossip/zmq_helpers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <zmq.h>

#include <zmq.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <limits>
#include <list>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace hearsay::gossip {
namespace {

constexpr int reconnect_ivl_ms = 100;
constexpr int reconnect_ivl_max_ms = 5000;
// Bounds on the work one service() call does.
constexpr std::size_t monitor_events_per_service = 64;
constexpr std::size_t default_receive_batch = 10000;
// After every key choice failed in a row: wait, doubling up to the maximum.
constexpr std::chrono::milliseconds handshake_backoff{100};
constexpr std::chrono::milliseconds handshake_backoff_max{5000};
constexpr int monitored_events =
    ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
    ZMQ_EVENT_CONNECT_DELAYED | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_CONNECTED;
// A connect that fails within this long of starting was refused (a reset,
// or nothing listening on an ipc path); a silent host (SYNs dropped) fails
// only after the kernel's SYN retries, minutes later.
constexpr std::chrono::milliseconds refusal_window_max{500};

// Monitor endpoints must be unique within a context; one counter per process
// makes them unique in every context.
std::atomic<std::uint64_t> next_monitor_id{0};

// ZeroMQ spells "any port" as `*`; accept the usual `:0` too.
std::string bind_address(const std::string& endpoint) {
  if (endpoint.starts_with("tcp://") && endpoint.ends_with(":0"))
    return endpoint.substr(0, endpoint.size() - 1) + "*";
  return endpoint;
}

// A tcp endpoint whose host is an IP literal: `tcp://10.0.0.5:7946`,
// `tcp://[::1]:7946`.
struct IpEndpoint {
  int family = AF_UNSPEC;
  std::string host;  // as written, brackets included for IPv6
  bool wildcard = false;
};

std::optional<IpEndpoint> ip_endpoint(const std::string& endpoint) {
  constexpr std::string_view scheme = "tcp://";
  if (!endpoint.starts_with(scheme) || endpoint.find(';') != std::string::npos) return std::nullopt;
  const std::string rest = endpoint.substr(scheme.size());
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  IpEndpoint ip;
  ip.host = rest.substr(0, colon);
  std::string bare = ip.host;
  if (bare.front() == '[') {
    if (bare.size() < 3 || bare.back() != ']') return std::nullopt;
    bare = bare.substr(1, bare.size() - 2);
  }
  in_addr v4{};
  in6_addr v6{};
  if (::inet_pton(AF_INET, bare.c_str(), &v4) == 1) {
    ip.family = AF_INET;
    ip.wildcard = v4.s_addr == htonl(INADDR_ANY);
  } else if (::inet_pton(AF_INET6, bare.c_str(), &v6) == 1) {
    ip.family = AF_INET6;
    ip.wildcard = std::memcmp(&v6, &in6addr_any, sizeof v6) == 0;
    if (ip.host.front() != '[') ip.host = "[" + ip.host + "]";
  } else {
    return std::nullopt;  // `*`, a host or an interface name
  }
  return ip;
}

// The "host:port" of a socket's peer, as libzmq writes it in a resolved tcp
// endpoint ("127.0.0.3:7946", "[::1]:7946"); empty if not a TCP/IP socket.
std::string peer_address(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return {};
  const auto text = [](int family, const void* ip, std::uint16_t port) -> std::string {
    char host[INET6_ADDRSTRLEN] = {};
    if (::inet_ntop(family, ip, host, sizeof host) == nullptr) return {};
    const auto p = ":" + std::to_string(ntohs(port));
    return family == AF_INET6 ? "[" + std::string(host) + "]" + p : host + p;
  };
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    return text(AF_INET, &in->sin_addr, in->sin_port);
  }
  if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))  // a dual-stack socket dialling IPv4
      return text(AF_INET, &in6->sin6_addr.s6_addr[12], in6->sin6_port);
    return text(AF_INET6, &in6->sin6_addr, in6->sin6_port);
  }
  return {};
}

// Linear retransmission timeouts on a new outbound connection (Linux's
// TCP_THIN_LINEAR_TIMEOUTS: while fewer than four segments are in flight —
// always, for probes and gossip — the first six retransmissions keep the
// RTO instead of doubling it). libzmq owns the socket and reports only its
// descriptor, from its own I/O thread: the descriptor may already be closed
// and reused when the event is read, so it is tuned only if its peer is the
// address the event names. Best effort: a failure changes nothing else.
void tune_thin_stream(int fd, const std::string& resolved) {
  constexpr std::string_view scheme = "tcp://";
  if (!resolved.starts_with(scheme)) return;
  auto address = resolved.substr(scheme.size());
  if (const auto semi = address.find(';'); semi != std::string::npos)
    address = address.substr(semi + 1);  // "SRC:0;DST:PORT"
  if (address.empty() || peer_address(fd) != address) return;
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, &on, sizeof on);
}

}  // namespace

std::string connect_endpoint(const std::string& bound, const std::string& peer) {
  const auto self = ip_endpoint(bound);
  const auto to = ip_endpoint(peer);
  if (!self || !to || self->wildcard || self->family != to->family) return peer;
  return "tcp://" + self->host + ":0;" + peer.substr(std::string_view("tcp://").size());
}

struct ZmqTransport::Impl {
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Peer {
    std::string endpoint;   // the pool key, as given to send()
    zmq::socket_t push;     // closed while waiting out a handshake backoff
    zmq::socket_t monitor;  // PAIR reading the PUSH socket's monitor
    TimePoint last_used;
    std::size_t choice = 0;                     // index into choices_ the socket dials with
    std::size_t failures = 0;                   // failed handshakes since the last success
    bool handshaked = false;                    // the current connection completed its handshake
    bool failed = false;                        // a handshake failed: switch choice in service()
    std::uint64_t unconfirmed = 0;              // sent while not handshaked (queued, probably)
    TimePoint reopen_at;                        // when closed: reopen then
    std::optional<TimePoint> connecting_since;  // a connect in progress (CONNECT_DELAYED)
  };
  using Peers = std::list<Peer>;

  Impl(zmq::context_t& context, TransportOptions options);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void setup_curve();
  void bind_inbound();
  Peer* peer_for(const std::string& endpoint, TimePoint now);  // nullptr if the pool is size 0
  void connect(Peer& peer);                                    // throws zmq::error_t
  void close_sockets(Peer& peer);
  void close(Peers::iterator it);
  void handshake_failed(Peer& peer, TimePoint now);
  void reopen_due(TimePoint now);
  void drain_monitor(Peer& peer, TimePoint now);
  void update_open() { stats_.open_connections = peers_.size(); }
  // A connect that fails sooner than this was refused; an abandoned connect
  // (connect_timeout) fails later.
  std::chrono::milliseconds refusal_window() const {
    const auto t = options_.connect_timeout;
    return t.count() > 0 ? std::min(refusal_window_max, t / 2) : refusal_window_max;
  }

  zmq::context_t& context_;
  TransportOptions options_;
  TransportStats stats_;
  // What to dial peers with: (server_public, client_public, client_secret) of
  // curve, then its alternatives; one empty choice without curve.
  std::vector<CurveAlternative> choices_;
  // Endpoint -> index of the choice that last worked, when not 0. Survives
  // pool evictions; bounded (cleared when it grows past remembered_max()).
  std::unordered_map<std::string, std::size_t> remembered_;
  std::size_t remembered_max() const { return 4 * options_.max_connections + 64; }
  std::optional<ZapHandler> zap_;  // declared before inbound_ so it outlives it
  zmq::socket_t inbound_;
  std::string bound_;
  Peers peers_;  // most recently used first
  std::unordered_map<std::string, Peers::iterator> by_endpoint_;
  std::vector<std::string> closed_;
  std::vector<std::string> refused_;
};

ZmqTransport::Impl::Impl(zmq::context_t& context, TransportOptions options)
    : context_(context), options_(std::move(options)) {
  if (options_.bind.empty()) throw std::runtime_error("bind: endpoint is empty");
  if (!options_.curve) choices_.emplace_back();
  try {
    if (options_.curve) setup_curve();
    bind_inbound();
  } catch (const zmq::error_t& e) {
    throw std::runtime_error(std::string("zmq transport: ") + e.what());
  }
}

ZmqTransport::Impl::~Impl() {
  for (auto& peer : peers_)
    if (peer.push.handle() != nullptr) zmq_socket_monitor(peer.push.handle(), nullptr, 0);
}

void ZmqTransport::Impl::setup_curve() {
  auto& curve = *options_.curve;
  if (zmq_has("curve") == 0)
    throw std::runtime_error("curve: this libzmq was built without CURVE support");
  decode_curve_key(curve.server_public, "server_public");
  decode_curve_key(curve.server_secret, "server_secret");
  decode_curve_key(curve.client_public, "client_public");
  decode_curve_key(curve.client_secret, "client_secret");
  choices_.push_back({curve.server_public, curve.client_public, curve.client_secret});
  for (std::size_t i = 0; i < curve.alternatives.size(); ++i) {
    const auto& alt = curve.alternatives[i];
    const auto field = "alternatives[" + std::to_string(i) + "].";
    decode_curve_key(alt.server_public, field + "server_public");
    decode_curve_key(alt.client_public, field + "client_public");
    decode_curve_key(alt.client_secret, field + "client_secret");
    choices_.push_back(alt);
  }
  std::vector<CurveKey> allowed;
  for (const auto& key : curve.allowed_client_keys)
    allowed.push_back(decode_curve_key(key, "allowed_client_keys"));
  // A node admits the client keys it dials with itself.
  for (const auto& choice : choices_)
    allowed.push_back(decode_curve_key(choice.client_public, "client_public"));
  zap_.emplace(context_, std::move(allowed));
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
    inbound_.set(zmq::sockopt::zap_domain, std::string(ZapHandler::kDomain));
  }
  try {
    inbound_.bind(bind_address(options_.bind));
  } catch (const zmq::error_t& e) {
    throw std::runtime_error("bind " + options_.bind + ": " + e.what());
  }
  bound_ = inbound_.get(zmq::sockopt::last_endpoint);
}

ZmqTransport::Impl::Peer* ZmqTransport::Impl::peer_for(const std::string& endpoint, TimePoint now) {
  if (auto it = by_endpoint_.find(endpoint); it != by_endpoint_.end()) {
    peers_.splice(peers_.begin(), peers_, it->second);
    peers_.front().last_used = now;
    return &peers_.front();
  }
  if (options_.max_connections == 0) return nullptr;
  Peer peer{endpoint, {}, {}, now, 0, 0, false, false, 0, now, {}};
  if (auto known = remembered_.find(endpoint); known != remembered_.end())
    peer.choice = known->second < choices_.size() ? known->second : 0;
  connect(peer);
  while (peers_.size() >= options_.max_connections)
    close(std::prev(peers_.end()));
  peers_.push_front(std::move(peer));
  by_endpoint_.emplace(endpoint, peers_.begin());
  ++stats_.connections_opened;
  update_open();
  return &peers_.front();
}

void ZmqTransport::Impl::connect(Peer& peer) {
  peer.push = zmq::socket_t(context_, zmq::socket_type::push);
  peer.handshaked = false;
  peer.failed = false;
  peer.unconfirmed = 0;
  auto& push = peer.push;
  push.set(zmq::sockopt::linger, 0);
  push.set(zmq::sockopt::sndhwm, options_.send_hwm);
  push.set(zmq::sockopt::ipv6, true);
  push.set(zmq::sockopt::immediate, false);  // queue (up to the HWM) until connected
  push.set(zmq::sockopt::reconnect_ivl, reconnect_ivl_ms);
  push.set(zmq::sockopt::reconnect_ivl_max, reconnect_ivl_max_ms);
  if (options_.connect_timeout.count() > 0)
    push.set(zmq::sockopt::connect_timeout, static_cast<int>(options_.connect_timeout.count()));
  if (options_.stall_timeout.count() > 0)
    push.set(zmq::sockopt::tcp_maxrt, static_cast<int>(options_.stall_timeout.count()));
  if (options_.curve) {
    const auto& choice = choices_[peer.choice];
    push.set(zmq::sockopt::curve_serverkey, choice.server_public);
    push.set(zmq::sockopt::curve_publickey, choice.client_public);
    push.set(zmq::sockopt::curve_secretkey, choice.client_secret);
  }
  // Monitor before connecting so no event is missed.
  const auto address = "inproc://hearsay-mon-" + std::to_string(next_monitor_id++);
  if (zmq_socket_monitor(push.handle(), address.c_str(), monitored_events) != 0)
    throw zmq::error_t();
  peer.monitor = zmq::socket_t(context_, zmq::socket_type::pair);
  peer.monitor.set(zmq::sockopt::linger, 0);
  peer.monitor.connect(address);
  // From our own IP when bound to one; on error the owner closes both sockets.
  push.connect(connect_endpoint(bound_, peer.endpoint));
}

void ZmqTransport::Impl::close_sockets(Peer& peer) {
  if (peer.push.handle() != nullptr)
    zmq_socket_monitor(peer.push.handle(), nullptr, 0);  // our own close is no hint
  peer.push.close();
  peer.monitor.close();
}

// The peer's process answered but not with a key we dialled with (or not
// with CURVE): no failure hint. Close the socket, losing what was queued on
// it, and move to the next choice: at once within a round, after a backoff
// once every choice has failed in a row.
void ZmqTransport::Impl::handshake_failed(Peer& peer, TimePoint now) {
  ++stats_.handshake_failures;
  stats_.queued_lost += std::exchange(peer.unconfirmed, 0);
  peer.failed = false;
  close_sockets(peer);
  ++peer.failures;
  const auto n = choices_.size();
  if (n > 1) ++stats_.key_switches;
  peer.choice = (peer.choice + 1) % n;
  peer.reopen_at = now;
  if (peer.failures % n == 0) {
    auto delay = handshake_backoff;
    for (std::size_t round = peer.failures / n; round > 1 && delay < handshake_backoff_max; --round)
      delay *= 2;
    peer.reopen_at += std::min(delay, handshake_backoff_max);
  }
}

void ZmqTransport::Impl::reopen_due(TimePoint now) {
  for (auto& peer : peers_) {
    if (peer.push.handle() != nullptr || now < peer.reopen_at) continue;
    try {
      connect(peer);
    } catch (const zmq::error_t&) {
      close_sockets(peer);
      peer.reopen_at = now + handshake_backoff_max;
    }
  }
}

void ZmqTransport::Impl::close(Peers::iterator it) {
  close_sockets(*it);
  by_endpoint_.erase(it->endpoint);
  peers_.erase(it);
  ++stats_.connections_closed;
  update_open();
}

// Each event is two frames: 6 bytes (uint16 event, uint32 value), then the
// resolved address; the pool key is what the runtime knows the peer by. A
// failed handshake is HANDSHAKE_FAILED_* then DISCONNECTED; a wrong server
// key may show only as DISCONNECTED before HANDSHAKE_SUCCEEDED. Only a
// disconnect after a successful handshake is a failure hint.
void ZmqTransport::Impl::drain_monitor(Peer& peer, TimePoint now) {
  for (std::size_t i = 0; i < monitor_events_per_service && !peer.failed; ++i) {
    zmq::message_t event;
    if (!peer.monitor.recv(event, zmq::recv_flags::dontwait)) return;
    std::vector<zmq::message_t> rest;
    receive_rest(peer.monitor, event, &rest);
    if (event.size() < 6) continue;
    std::uint16_t id = 0;
    std::uint32_t value = 0;
    std::memcpy(&id, event.data(), sizeof id);
    std::memcpy(&value, static_cast<const char*>(event.data()) + sizeof id, sizeof value);
    switch (id) {
      case ZMQ_EVENT_CONNECTED:
        if (!rest.empty()) tune_thin_stream(static_cast<int>(value), rest.front().to_string());
        break;
      case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        peer.handshaked = true;
        peer.failures = 0;
        peer.unconfirmed = 0;
        if (peer.choice == 0) {
          remembered_.erase(peer.endpoint);
        } else {
          if (remembered_.size() >= remembered_max()) remembered_.clear();
          remembered_[peer.endpoint] = peer.choice;
        }
        break;
      case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
      case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        peer.failed = true;
        break;
      case ZMQ_EVENT_CONNECT_DELAYED:
        peer.connecting_since = now;
        break;
      case ZMQ_EVENT_CONNECT_RETRIED: {
        // Refused at once (no CONNECT_DELAYED: the connect failed in the
        // call), or soon after starting: nothing listens at the endpoint.
        const bool fast = !peer.connecting_since || now - *peer.connecting_since < refusal_window();
        peer.connecting_since.reset();
        if (!fast) break;
        ++stats_.connect_refused;
        if (std::find(refused_.begin(), refused_.end(), peer.endpoint) == refused_.end())
          refused_.push_back(peer.endpoint);
        break;
      }
      case ZMQ_EVENT_DISCONNECTED:
        if (!peer.handshaked) {
          peer.failed = true;
          break;
        }
        peer.handshaked = false;
        ++stats_.peer_disconnects;
        if (std::find(closed_.begin(), closed_.end(), peer.endpoint) == closed_.end())
          closed_.push_back(peer.endpoint);
        break;
      default:
        break;
    }
  }
}

ZmqTransport::ZmqTransport(zmq::context_t& context, TransportOptions options)
    : impl_(std::make_unique<Impl>(context, std::move(options))) {}

ZmqTransport::~ZmqTransport() = default;

const std::string& ZmqTransport::bound_endpoint() const {
  return impl_->bound_;
}

bool ZmqTransport::send(std::chrono::steady_clock::time_point now, const std::string& endpoint,
                        std::span<const std::uint8_t> bytes) {
  auto& stats = impl_->stats_;
  try {
    auto* peer = impl_->peer_for(endpoint, now);
    if (peer != nullptr && peer->push.handle() != nullptr &&
        peer->push.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait)) {
      ++stats.transport_sent;
      if (!peer->handshaked) ++peer->unconfirmed;
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
      ++impl.stats_.transport_received;
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
  if (impl.zap_) sockets.push_back(&impl.zap_->socket());
  for (auto& peer : impl.peers_)
    if (peer.monitor.handle() != nullptr) sockets.push_back(&peer.monitor);
  return sockets;
}

void ZmqTransport::service(std::chrono::steady_clock::time_point now) {
  auto& impl = *impl_;
  try {
    if (impl.zap_) impl.stats_.zap_denied += impl.zap_->serve();
    for (auto& peer : impl.peers_) {
      if (peer.monitor.handle() != nullptr) impl.drain_monitor(peer, now);
      if (peer.failed) impl.handshake_failed(peer, now);
    }
    impl.reopen_due(now);
  } catch (const zmq::error_t&) {
    // Only when the context is being terminated; nothing left to serve.
  }
  const auto idle = impl.options_.idle_close;
  if (idle.count() <= 0) return;
  // At next_deadline() exactly, the connection is idle (>=, not >).
  while (!impl.peers_.empty() && now - impl.peers_.back().last_used >= idle)
    impl.close(std::prev(impl.peers_.end()));
}

std::chrono::steady_clock::time_point ZmqTransport::next_deadline() const {
  const auto& impl = *impl_;
  auto next = Impl::TimePoint::max();
  for (const auto& peer : impl.peers_)
    if (peer.push.handle() == nullptr) next = std::min(next, peer.reopen_at);
  if (impl.options_.idle_close.count() > 0 && !impl.peers_.empty())
    next = std::min(next, impl.peers_.back().last_used + impl.options_.idle_close);
  return next;
}

std::vector<std::string> ZmqTransport::take_closed() {
  return std::exchange(impl_->closed_, {});
}

std::vector<std::string> ZmqTransport::take_refused() {
  return std::exchange(impl_->refused_, {});
}

void ZmqTransport::set_idle_close(std::chrono::milliseconds idle) {
  impl_->options_.idle_close = idle;
}

void ZmqTransport::disconnect(const std::string& endpoint) {
  auto& impl = *impl_;
  impl.remembered_.erase(endpoint);
  if (auto it = impl.by_endpoint_.find(endpoint); it != impl.by_endpoint_.end())
    impl.close(it->second);
}

const TransportStats& ZmqTransport::stats() const {
  return impl_->stats_;
}

}  // namespace hearsay::gossip
