// Outbox: every message this node sends is built here. The header says who
// we are (name, endpoint, incarnation) and carries our view's digest; the
// body is the caller's; news from the broadcast queue fills the rest of the
// payload budget (fewest-sent first), after a suspect "buddy" record that
// Lifeguard puts on probes of a suspect. Messages are encoded, counted by
// type and bytes, and queued for the driver to take.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "membership/context.hpp"
#include "membership/wire/codec.hpp"

namespace hearsay::membership {

struct Outgoing {
  std::string endpoint;
  wire::Bytes bytes;
};

class Outbox {
 public:
  explicit Outbox(Context& ctx) : ctx_(ctx) {}

  // Sequence numbers match acks and nacks to probes; they never repeat.
  std::uint32_t next_seq() { return ++seq_; }

  // With `piggyback`, queued news fill the payload budget.
  void send(const std::string& endpoint, wire::MessageType type, std::uint32_t seq,
            const wire::Body& body, bool piggyback, const Member* buddy = nullptr);
  // As send(), with `first` (encoded records) ahead of the queued news.
  void send_with(const std::string& endpoint, wire::MessageType type, std::uint32_t seq,
                 const wire::Body& body, std::vector<wire::Bytes> first, bool piggyback);
  // A gossip message carrying exactly `news` (records already encoded).
  void send_news(const std::string& endpoint, std::vector<wire::Bytes> news);
  // Anti-entropy: the summary of every member we hold, and full records of
  // `members`, each split so no message exceeds half of max_message_bytes.
  void send_summary(const std::string& endpoint);
  void send_records(const std::string& endpoint, const std::vector<const Member*>& members);

  std::vector<Outgoing> take();

 private:
  void emit(const std::string& endpoint, wire::MessageType type, std::uint32_t seq,
            const wire::Body& body, const std::vector<wire::Bytes>& news);

  Context& ctx_;
  std::vector<Outgoing> queue_;
  std::uint32_t seq_ = 0;
};

}  // namespace hearsay::membership
