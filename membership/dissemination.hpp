// Dissemination: how news spreads.
//
// Every state change becomes one encoded record in the broadcast queue (a
// newer one about a member replaces the older). Records ride on every
// outgoing message (the Outbox piggybacks them) until each has been sent
// retransmit_mult * ceil(log10(n+1)) times. On top of that:
// - every gossip interval, a gossip message goes to gossip_fanout random
//   members (live, and the recently dead so they can refute);
// - eager forwarding: news after a quiet spell goes out at once to
//   gossip_fanout members, news within forward_coalesce of the last forward
//   is batched behind it.
// Both draw on one token bucket: gossip_rate_per_s messages a second, up to
// 4 * gossip_fanout saved for a burst; eager forwarding leaves gossip_fanout
// tokens for the periodic round. Quiet clusters answer news at once; a busy
// one (a suspicion storm under heavy loss, a mass join) sends fewer, fuller
// messages instead of one per tick per item (docs/protocol.md).
#pragma once

#include <cstddef>
#include <string_view>

#include "membership/context.hpp"
#include "membership/outbox.hpp"
#include "membership/peer_selection.hpp"

namespace hearsay::membership {

class Dissemination {
 public:
  Dissemination(Context& ctx, Outbox& out, PeerSelection& peers)
      : ctx_(ctx), out_(out), peers_(peers) {}

  // Draws the first gossip time (jittered so nodes started together do not
  // tick in lockstep).
  void start(TimePoint now);

  // `m` changed: queue it as news and forward soon.
  void enqueue(TimePoint now, const Member& m);
  // Someone told us news we already hold (rumor-mongering feedback).
  void heard_again(std::string_view member);
  // Send what is queued at once (a leaving node's goodbye).
  void forward_now(TimePoint now) { forward_at_ = now; }
  std::size_t pending() const { return ctx_.broadcasts.size(); }

  void tick(TimePoint now);
  TimePoint deadline() const { return std::min(next_gossip_at_, forward_at_); }

 private:
  void gossip_tick(TimePoint now);
  void forward_tick(TimePoint now);
  void gossip_to(const std::vector<const Member*>& targets);
  void refill(TimePoint now);

  Context& ctx_;
  Outbox& out_;
  PeerSelection& peers_;
  TimePoint next_gossip_at_{};
  TimePoint forward_at_ = kNever;
  TimePoint last_forward_at_{};
  double tokens_ = 0;
  TimePoint tokens_at_{};
};

}  // namespace hearsay::membership
