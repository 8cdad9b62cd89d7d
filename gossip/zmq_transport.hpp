// ZmqTransport: moves the core's messages over ZeroMQ. The only code besides
// the node runtime that includes cppzmq. Owned and used by one thread.
//
// Pattern: each node binds one PULL socket for everything it receives; to
// talk to a peer it keeps a PUSH socket connected to that peer's endpoint, in
// a bounded LRU pool (idle sockets closed). Every send is non-blocking: a full
// queue (send high-water mark) or a pool that cannot open a socket is a
// dropped message, counted, like a lost datagram. Linger is 0 so a dead peer
// never holds memory or delays shutdown; inbound message size is capped by
// ZMQ_MAXMSGSIZE. Each PUSH socket has a monitor; a connection to a peer that
// closes (ZMQ_EVENT_DISCONNECTED) after a successful ZMTP handshake is
// reported by take_closed() as a failure hint. A connection that fails its
// handshake (wrong CURVE key, denied by ZAP, CURVE vs plain) is no hint: the
// peer process is there, it only speaks another key. Acks are matched by
// sequence number in the core, so ZeroMQ's automatic reconnection cannot
// confuse the failure detector.
//
// Security: with `curve` set, the PULL socket is a CURVE server using the
// node's (or cluster's) key pair and every PUSH socket a CURVE client that
// expects the cluster's server key. A ZAP handler on the transport's thread
// admits only client keys in `allowed_client_keys` plus the client keys this
// transport dials with itself (`client_public` and those of every
// alternative; in cluster-key mode that is the cluster public key), so a
// process without the right secret key can neither join nor inject messages.
// The ZapHandler (zap_handler.hpp) binds inproc://zeromq.zap.01, of which a
// zmq::context_t can hold only one: use one context per CURVE transport (the
// node runtime does). ZAP requests are answered inside service(), so a
// handshake waits until the owner calls it: poll every socket of
// poll_sockets() and call service() whenever one is readable (or every loop
// iteration).
//
// Key rotation: `curve->alternatives` are further (server key, client key)
// choices dialled in order when a peer's handshake fails. libzmq 4.3.4 gives a
// CURVE client whose server key is wrong ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
// then ZMQ_EVENT_DISCONNECTED (and would retry the same key for ever); a ZAP
// denial gives _FAILED_AUTH, a CURVE/plain mismatch _FAILED_PROTOCOL, after
// which libzmq stops reconnecting. On any of these, or a disconnect before
// ZMQ_EVENT_HANDSHAKE_SUCCEEDED, the transport closes that peer's PUSH socket
// (messages queued on it are lost like datagrams, counted in queued_lost) and
// reopens it at once with the next choice; when every choice has failed in a
// row it waits (100 ms doubling to 5 s) before starting over, dropping sends
// to that peer meanwhile (send_dropped). The choice that worked is remembered
// per endpoint, also across pool evictions, until disconnect(endpoint). With
// no alternatives (and without CURVE) the same mechanism simply retries.
//
// Source address: when the node binds a tcp endpoint with a specific IP (not
// a wildcard such as 0.0.0.0, * or ::, nor an interface name), its outgoing
// connections to peers whose address is an IP literal of the same family
// leave from that IP too (libzmq's `tcp://SRC:0;DST:PORT`), so peers and
// firewalls see one address per node on a multi-homed host (connect_endpoint).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hearsay/stats.hpp"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace hearsay::gossip {

// A further key choice for dialling peers (key rotation): the server key a
// peer may serve with instead, and the client key pair to present to it.
struct CurveAlternative {
  std::string server_public;  // Z85
  std::string client_public;  // Z85
  std::string client_secret;  // Z85
};

struct CurveOptions {
  std::string server_public;  // Z85, 40 chars: the key every node's PULL socket serves with
  std::string server_secret;  // Z85: its secret (every node holds it in cluster-key mode)
  std::string client_public;  // Z85: this node's client key (cluster or per-node)
  std::string client_secret;  // Z85
  std::vector<std::string> allowed_client_keys;  // Z85 public keys admitted by ZAP
  // Tried in order after (server_public, client_public) when a peer's
  // handshake fails; their client keys are admitted by ZAP too.
  std::vector<CurveAlternative> alternatives;
};

struct TransportOptions {
  std::string bind;  // tcp://host:port (port 0 or * = any), ipc://path
  std::size_t max_message_bytes = 4u << 20;
  int send_hwm = 1000;  // messages queued per peer before drops
  int receive_hwm = 10000;
  std::size_t max_connections = 128;  // outbound pool size (LRU)
  std::chrono::milliseconds idle_close{
      60000};  // close outbound sockets unused this long; <= 0: never
  // A TCP connect not established this long after it started is abandoned
  // and dialled again with a fresh SYN (libzmq's ZMQ_CONNECT_TIMEOUT); <= 0:
  // the kernel's SYN retransmissions (1 s, then 3, 7, 15 s...). Under loss a
  // lost SYN or SYN-ACK otherwise costs a second or more per attempt.
  std::chrono::milliseconds connect_timeout{0};
  // A connection whose sent data has gone unacknowledged this long is
  // aborted and dialled again (TCP_USER_TIMEOUT via libzmq's ZMQ_TCP_MAXRT);
  // <= 0: never. Under heavy loss TCP's retransmission timer doubles each
  // time (0.2, 0.4, 0.8 ... s): at 40 % loss a stream otherwise stalls for
  // tens of seconds, and everything queued on it with it.
  std::chrono::milliseconds stall_timeout{0};
  std::optional<CurveOptions> curve;
};

// The transport's counters are the public ones (hearsay/stats.hpp,
// HEARSAY_TRANSPORT_COUNTERS), so the node copies them whole.
struct TransportStats : TransportCounters {
  std::size_t open_connections = 0;
};

// What a PUSH socket of a node bound at `bound` (a resolved endpoint, as
// bound_endpoint() reports it) connects to for `peer`: `peer` itself, or with
// the bound IP as source address (`tcp://127.0.0.2:0;127.0.0.3:7946`) when
// both are tcp IP literals of one family and the bound IP is not a wildcard.
std::string connect_endpoint(const std::string& bound, const std::string& peer);

class ZmqTransport {
 public:
  // Binds at once. Throws std::runtime_error with a clear message if the
  // endpoint is malformed or already in use.
  ZmqTransport(zmq::context_t& context, TransportOptions options);
  ~ZmqTransport();
  ZmqTransport(const ZmqTransport&) = delete;
  ZmqTransport& operator=(const ZmqTransport&) = delete;

  // The endpoint actually bound (tcp://127.0.0.1:* resolved to its port).
  const std::string& bound_endpoint() const;

  // Non-blocking. False if the message was dropped (counted): queue full,
  // malformed endpoint, pool size 0, or a socket error. Opens a pooled
  // connection on first use (evicting the least recently used one when full)
  // and stamps its last use with `now` for idle_close. Never throws.
  bool send(std::chrono::steady_clock::time_point now, const std::string& endpoint,
            std::span<const std::uint8_t> bytes);

  // Every message waiting on the inbound socket, without blocking: at most
  // receive_hwm per call so a flood cannot pin the loop (the socket stays
  // readable if more wait). Never throws; errors are counted.
  std::vector<std::vector<std::uint8_t>> receive_all();

  // For zmq::poll in the runtime loop: the inbound socket (and ZAP, monitors
  // are serviced inside service()).
  zmq::socket_t& inbound();
  // Everything worth waking for (ZMQ_POLLIN): the inbound socket first, then
  // the ZAP handler (with curve) and one monitor per pooled connection (none
  // for a peer waiting out its handshake backoff). The set changes as
  // connections open and close: fetch it again before each poll. Pointers
  // stay valid until the next send/service/disconnect.
  std::vector<zmq::socket_t*> poll_sockets();
  // Handles ZAP requests and monitor events (switching a peer whose handshake
  // failed to its next key choice), reopens peers whose backoff has passed
  // and closes idle connections (unused longer than idle_close before `now`);
  // call every loop iteration (at least every 100 ms or so while a peer
  // waits out a backoff).
  // Never throws.
  void service(std::chrono::steady_clock::time_point now);
  // When service() next has timed work: a peer's backoff ending, or the
  // least recently used connection going idle. time_point::max() if none.
  std::chrono::steady_clock::time_point next_deadline() const;
  // Endpoints whose connection the peer closed since the last call (after a
  // successful handshake; failed handshakes are not reported).
  std::vector<std::string> take_closed();
  // Endpoints whose connection attempt was refused since the last call: it
  // failed within half a second of starting (a reset, nothing listening),
  // and within half the connect timeout when one is set, so an abandoned
  // connect is never taken for a refusal.
  std::vector<std::string> take_refused();

  // Changes idle_close (<= 0: never); applies from the next service().
  void set_idle_close(std::chrono::milliseconds idle);

  // Close the connection to a member declared dead or left (and forget which
  // curve alternative worked for it).
  void disconnect(const std::string& endpoint);

  const TransportStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearsay::gossip
