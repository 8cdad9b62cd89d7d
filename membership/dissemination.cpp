#include "membership/dissemination.hpp"

#include <algorithm>
#include <cmath>

#include "membership/jitter.hpp"
#include "membership/records.hpp"
#include "membership/wire/codec.hpp"

namespace hearsay::membership {

void Dissemination::start(TimePoint now) {
  next_gossip_at_ = now + jitter(ctx_.rng, ctx_.params.gossip_interval);
  tokens_ = 4.0 * ctx_.params.gossip_fanout;
  tokens_at_ = now;
}

void Dissemination::enqueue(TimePoint now, const Member& m) {
  ctx_.broadcasts.enqueue(
      m.name, wire::encode_record(news_record(m, true, ctx_.params.payload_budget_bytes)));
  // Leading edge: news after a quiet spell goes out at once; news arriving
  // within the coalescing window of the last forward is batched behind it.
  const auto earliest = std::max(now, last_forward_at_ + ctx_.params.forward_coalesce);
  forward_at_ = std::min(forward_at_, earliest);
}

void Dissemination::heard_again(std::string_view member) {
  ctx_.broadcasts.heard_again(member, ctx_.retransmit_limit(), ctx_.params.payload_budget_bytes);
}

void Dissemination::tick(TimePoint now) {
  gossip_tick(now);
  forward_tick(now);
}

void Dissemination::refill(TimePoint now) {
  const auto& p = ctx_.params;
  const auto dt = std::chrono::duration<double>(now - tokens_at_).count();
  tokens_ = std::min(4.0 * p.gossip_fanout, tokens_ + dt * p.gossip_rate_per_s);
  tokens_at_ = now;
}

void Dissemination::gossip_to(const std::vector<const Member*>& targets) {
  for (const auto* m : targets) {
    if (ctx_.broadcasts.size() == 0) break;
    out_.send(m->endpoint, wire::MessageType::gossip, out_.next_seq(), wire::Gossip{}, true);
    tokens_ -= 1.0;
  }
}

void Dissemination::gossip_tick(TimePoint now) {
  if (now < next_gossip_at_) return;
  // On schedule; a tick late by more than an interval (a pause) does one
  // round now and the next a whole interval on, not the missed ones at once.
  next_gossip_at_ += ctx_.params.gossip_interval;
  if (next_gossip_at_ <= now) next_gossip_at_ = now + ctx_.params.gossip_interval;
  if (ctx_.broadcasts.size() == 0) return;
  refill(now);
  const auto n = std::min(static_cast<std::size_t>(std::max(0.0, std::floor(tokens_))),
                          static_cast<std::size_t>(ctx_.params.gossip_fanout));
  if (n == 0) return;  // over the rate: piggybacking carries the news meanwhile
  gossip_to(peers_.sample(n, true, {}, now));
}

void Dissemination::forward_tick(TimePoint now) {
  if (now < forward_at_) return;
  forward_at_ = kNever;
  last_forward_at_ = now;
  if (ctx_.broadcasts.size() == 0) return;
  refill(now);
  const auto fanout = ctx_.params.gossip_fanout;
  const double spare = std::floor(tokens_) - fanout;  // the periodic round's reserve stays
  const auto n = static_cast<std::size_t>(std::clamp(spare, 0.0, double(fanout)));
  if (n == 0) return;  // over the rate: the periodic gossip carries it
  gossip_to(peers_.sample(n, true, {}, now));
}

}  // namespace hearsay::membership
