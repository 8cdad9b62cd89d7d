#include "membership/anti_entropy.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "membership/jitter.hpp"
#include "membership/once_per.hpp"
#include "membership/records.hpp"
#include "membership/wire/codec.hpp"

namespace hearsay::membership {

using wire::MessageType;

namespace {

// memberlist's pushPullScale: above 32 members, sync less often so the
// cluster-wide sync load grows only logarithmically.
Duration sync_interval_for(Duration interval, std::size_t n) {
  if (n <= 32) return interval;
  const double mult = std::ceil(std::log2(static_cast<double>(n)) - std::log2(32.0)) + 1.0;
  return std::chrono::duration_cast<Duration>(interval * mult);
}

}  // namespace

void AntiEntropy::start(TimePoint now) {
  const auto& p = ctx_.params;
  next_sync_at_ = now + p.sync_interval + jitter(ctx_.rng, p.sync_interval);
  next_reconnect_at_ = now + p.reconnect_interval + jitter(ctx_.rng, p.reconnect_interval);
  next_rejoin_at_ = now + p.rejoin_interval;
  last_sync_at_ = now;
}

void AntiEntropy::join(TimePoint now, std::vector<std::string> seeds) {
  seeds.erase(std::remove(seeds.begin(), seeds.end(), ctx_.self.endpoint), seeds.end());
  seeds_ = std::move(seeds);
  if (seeds_.empty()) {
    joined_ = true;  // the first node of a cluster joins nobody
    return;
  }
  joined_ = false;
  join_attempts_ = 0;
  join_backoff_ = std::chrono::seconds(1);
  next_join_at_ = now;
  join_tick(now);
}

// A join request carries the joiner's own record, so the seed knows it (and
// starts spreading it) from the first message that arrives.
void AntiEntropy::send_sync_req(TimePoint now, const std::string& endpoint, bool join) {
  ++ctx_.stats.syncs;
  last_sync_at_ = now;
  std::vector<wire::Bytes> first;
  if (join)
    first.push_back(
        wire::encode_record(news_record(ctx_.me(), true, ctx_.params.payload_budget_bytes)));
  wire::SyncReq req{join, {}};
  if (!join) {
    const auto& b = ctx_.table.bucket_digests();
    req.buckets.assign(b.begin(), b.end());
  }
  out_.send_with(endpoint, MessageType::sync_req, out_.next_seq(), req, std::move(first), true);
}

// A sender we hold dead is told so (it will refute); one we do not know, or
// know only from an older life, is synced with so we learn its record.
void AntiEntropy::check_sender(TimePoint now, const wire::Header& h) {
  if (ctx_.leaving) return;
  if (h.type == MessageType::sync_req || h.type == MessageType::sync_summary ||
      h.type == MessageType::sync_records)
    return;  // a sync with it is already under way
  auto last = told_dead_at_.find(h.sender);
  if (last != told_dead_at_.end() && now - last->second < ctx_.params.probe_interval) return;
  const Member* m = ctx_.table.find(h.sender);
  if (m && m->live()) return;  // newer incarnations arrive as news
  if (m && m->state == MemberState::left && h.sender_incarnation <= m->incarnation) return;
  told_dead_at_[h.sender] = now;
  if (m && !m->live() && h.sender_incarnation <= m->incarnation) {
    out_.send_news(h.sender_endpoint,
                   {wire::encode_record(news_record(*m, false, ctx_.params.payload_budget_bytes))});
    return;
  }
  send_sync_req(now, h.sender_endpoint, false);
}

void AntiEntropy::correct(TimePoint now, const std::string& sender_endpoint,
                          const std::vector<std::string>& members) {
  if (ctx_.leaving) return;
  std::vector<wire::Bytes> records;
  for (const auto& name : members) {
    const Member* m = ctx_.table.find(name);
    if (!m) continue;
    if (!once_per(corrected_at_, std::pair(sender_endpoint, name), now, ctx_.params.probe_interval))
      continue;
    records.push_back(wire::encode_record(news_record(*m, true, ctx_.params.payload_budget_bytes)));
  }
  if (records.empty()) return;
  ++ctx_.stats.corrections_sent;
  out_.send_news(sender_endpoint, std::move(records));
}

void AntiEntropy::check_digest(TimePoint now, const wire::Header& h) {
  if (h.digest == ctx_.table.digest()) {
    mismatch_since_.reset();
    return;
  }
  if (!mismatch_since_) {
    mismatch_since_ = now;
    return;
  }
  const auto grace = ctx_.params.sync_mismatch_grace;
  if (now - *mismatch_since_ < grace) return;
  if (now - last_sync_at_ < grace || ctx_.leaving) return;
  const Member* m = ctx_.table.find(h.sender);
  if (!m || !m->live()) return;
  send_sync_req(now, h.sender_endpoint, false);
  mismatch_since_ = now;
}

static_assert(kDigestBuckets == wire::kSyncBuckets);

void AntiEntropy::on_sync_req(TimePoint now, const wire::Message& msg) {
  const auto& req = std::get<wire::SyncReq>(msg.body);
  const Member* m = ctx_.table.find(msg.header.sender);
  const bool known = m && m->live() && m->incarnation >= msg.header.sender_incarnation;
  if (!req.join && known && msg.header.digest == ctx_.table.digest()) return;  // in agreement
  ++ctx_.stats.syncs_served;
  if (req.join) {
    // A joiner holds nothing: a summary would only come back as a pull of
    // everything. Send the live records at once: one message to lose, not three.
    std::vector<const Member*> live;
    for (const auto& [name, member] : ctx_.table.all())
      if (member.live()) live.push_back(&member);
    out_.send_records(msg.header.sender_endpoint, live);
    return;
  }
  if (known && req.buckets.size() == kDigestBuckets) {
    send_differing_buckets(now, msg.header.sender_endpoint, req.buckets);
    return;
  }
  out_.send_summary(msg.header.sender_endpoint);
}

// A known peer whose view differs from ours: send our records of the buckets
// whose digests differ — what it may lack or hold older — in one step, where
// a summary needs three (summary, pull, records), each of which can be lost.
// What we lack ourselves reaches us when our own digest check syncs with it.
void AntiEntropy::send_differing_buckets(TimePoint now, const std::string& endpoint,
                                         const std::vector<std::uint64_t>& theirs) {
  const auto& ours = ctx_.table.bucket_digests();
  std::vector<const Member*> records;
  for (const auto& [name, m] : ctx_.table.all()) {
    const auto b = digest_bucket(name);
    if (ours[b] == theirs[b]) continue;
    const bool recent = now - m.state_since < ctx_.params.gossip_to_the_dead;
    if (m.live() || recent) records.push_back(&m);
  }
  if (!records.empty()) out_.send_records(endpoint, records);
}

void AntiEntropy::on_sync_summary(TimePoint now, const wire::Message& msg) {
  const auto& summary = std::get<wire::SyncSummary>(msg.body);
  std::vector<std::string> pull;
  std::vector<const Member*> push;
  std::set<std::string_view> seen;
  for (const auto& e : summary.entries) {
    seen.insert(e.name);
    if (e.name == ctx_.self.name) {
      wire::MemberRecord claim{e.name, {}, e.incarnation, e.state, {}, e.services_version, {}};
      merger_.apply_about_self(now, claim);
      continue;
    }
    const Member* m = ctx_.table.find(e.name);
    if (!m) {
      if (e.state == MemberState::alive || e.state == MemberState::suspect) pull.push_back(e.name);
      continue;
    }
    Member theirs;
    theirs.incarnation = e.incarnation;
    theirs.state = e.state;
    if (overrides(e.state, e.incarnation, *m)) {
      pull.push_back(e.name);
    } else if (overrides(m->state, m->incarnation, theirs)) {
      push.push_back(m);
    } else if (!m->services_complete && e.services_version == m->services_version) {
      pull.push_back(e.name);
    }
  }
  // What they lack entirely, and ourselves if they hold us older.
  for (const auto& [name, m] : ctx_.table.all()) {
    if (seen.count(name) && name != ctx_.self.name) continue;
    if (name == ctx_.self.name) {
      auto it = std::find_if(summary.entries.begin(), summary.entries.end(),
                             [&](const wire::SummaryEntry& e) { return e.name == name; });
      if (it != summary.entries.end() && it->incarnation == m.incarnation && it->state == m.state)
        continue;
      push.push_back(&m);
      continue;
    }
    const bool recent = now - m.state_since < ctx_.params.gossip_to_the_dead;
    if (m.live() || recent) push.push_back(&m);
  }
  if (!pull.empty())
    out_.send(msg.header.sender_endpoint, MessageType::sync_pull, out_.next_seq(),
              wire::SyncPull{std::move(pull)}, false);
  if (!push.empty()) out_.send_records(msg.header.sender_endpoint, push);
}

void AntiEntropy::on_sync_pull(const wire::Message& msg) {
  const auto& req = std::get<wire::SyncPull>(msg.body);
  std::vector<const Member*> records;
  for (const auto& name : req.names)
    if (const auto* m = ctx_.table.find(name)) records.push_back(m);
  if (!records.empty()) out_.send_records(msg.header.sender_endpoint, records);
}

void AntiEntropy::on_sync_records(TimePoint now, const wire::Message& msg) {
  for (const auto& r : std::get<wire::SyncRecords>(msg.body).records)
    merger_.apply(now, r, Merger::Origin::sync, msg.header.sender_endpoint);
}

void AntiEntropy::join_tick(TimePoint now) {
  if (joined_ || seeds_.empty()) return;
  if (ctx_.table.live_count() > 1) {  // we know someone: joined
    joined_ = true;
    next_join_at_ = kNever;
    return;
  }
  if (now < next_join_at_) return;
  for (const auto& seed : seeds_)
    send_sync_req(now, seed, true);
  // Every second (jittered, so joiners started together spread out) for the
  // first kSteadyJoinAttempts: on a lossy network each attempt is a fresh
  // chance, and backing off early is what made joins stall. Then back off to
  // join_retry_max, for seeds that are down for a long time.
  ++join_attempts_;
  const Duration second = std::chrono::seconds(1);
  if (join_attempts_ < kSteadyJoinAttempts) {
    next_join_at_ = now + second * 3 / 4 + jitter(ctx_.rng, second / 2);
    return;
  }
  next_join_at_ = now + join_backoff_;
  join_backoff_ = std::min<Duration>(join_backoff_ * 2, ctx_.params.join_retry_max);
}

void AntiEntropy::on_pause(TimePoint now) {
  if (ctx_.leaving) return;
  const auto partners = peers_.sample(1, false, {}, now);
  if (!partners.empty()) send_sync_req(now, partners.front()->endpoint, false);
}

void AntiEntropy::sync_tick(TimePoint now) {
  if (ctx_.leaving || now < next_sync_at_) return;
  next_sync_at_ = now + sync_interval_for(ctx_.params.sync_interval, ctx_.table.live_count());
  const auto partners = peers_.sample(1, false, {}, now);
  if (partners.empty()) return;
  send_sync_req(now, partners.front()->endpoint, false);
}

void AntiEntropy::housekeep(TimePoint now) {
  std::erase_if(told_dead_at_,
                [&](const auto& kv) { return now - kv.second > std::chrono::seconds(60); });
  std::erase_if(corrected_at_,
                [&](const auto& kv) { return now - kv.second > ctx_.params.probe_interval; });
  if (ctx_.leaving) return;
  // Re-merge after partitions: retry one dead member now and then ...
  if (now >= next_reconnect_at_) {
    next_reconnect_at_ = now + ctx_.params.reconnect_interval;
    std::vector<const Member*> dead;
    if (ctx_.table.count(MemberState::dead) > 0)
      for (const auto& [name, m] : ctx_.table.all())
        if (m.state == MemberState::dead) dead.push_back(&m);
    if (!dead.empty()) send_sync_req(now, dead[ctx_.rng.uniform(dead.size())]->endpoint, false);
  }
  // ... and re-join seeds while we see fewer members than we once did.
  if (now >= next_rejoin_at_) {
    next_rejoin_at_ = now + ctx_.params.rejoin_interval;
    if (!seeds_.empty() && ctx_.table.live_count() < merger_.live_high_water())
      send_sync_req(now, seeds_[ctx_.rng.uniform(seeds_.size())], false);
  }
}

TimePoint AntiEntropy::deadline() const {
  return ctx_.leaving ? next_join_at_ : std::min(next_join_at_, next_sync_at_);
}

}  // namespace hearsay::membership
