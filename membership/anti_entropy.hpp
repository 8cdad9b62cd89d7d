// AntiEntropy: how views that drifted apart are brought together again.
//
// - Carried digests: every message carries its sender's view digest. A
//   mismatch that outlasts sync_mismatch_grace (longer than news takes to
//   spread) means we missed something: sync with that sender.
// - Sync exchange: sync_req (our digest and 64 bucket digests) -> the
//   records of the buckets that differ, from a peer that knows us; from one
//   that does not, sync_summary (one line per member: incarnation, state,
//   service version) -> sync_pull (the names we lack or hold older) and
//   sync_records (what they lack or hold older). Equal digests end it after
//   one small message. Every sync_interval
//   (scaled up past 32 members, as memberlist does) with a random member.
// - Senders we do not know, or hold dead: we sync with the unknown, and tell
//   the dead they are dead (they will refute), at most once a probe interval.
// - Joining: sync_req(join), carrying our own record, to every seed until
//   someone answers with the records of every live member; every second
//   (jittered) for 30 attempts, then backing off to join_retry_max.
// - Corrections: a sender whose news accuses a member we hold alive at a
//   newer incarnation gets that member's current record straight back.
// - Re-merging after partitions: now and then sync with one dead member
//   (reconnect_interval), and with a seed while we see fewer live members
//   than we once did (rejoin_interval).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "membership/context.hpp"
#include "membership/merge.hpp"
#include "membership/outbox.hpp"
#include "membership/peer_selection.hpp"
#include "membership/wire/messages.hpp"

namespace hearsay::membership {

class AntiEntropy {
 public:
  AntiEntropy(Context& ctx, Outbox& out, PeerSelection& peers, Merger& merger)
      : ctx_(ctx), out_(out), peers_(peers), merger_(merger) {}

  // Draws the first sync and reconnect times (jittered).
  void start(TimePoint now);

  // Contacts `seeds` until one answers (this node's own endpoint is skipped;
  // no seeds: this node starts a cluster).
  void join(TimePoint now, std::vector<std::string> seeds);
  bool joined() const { return joined_; }

  // `sender` told us outdated accusations about `members`: send it their
  // current records, so it stops spreading what was already refuted. At most
  // once a probe interval per sender and member: copies of one stale rumour
  // still in flight on a slow stream need no correction each.
  void correct(TimePoint now, const std::string& sender_endpoint,
               const std::vector<std::string>& members);

  void on_sync_req(TimePoint now, const wire::Message& msg);
  void on_sync_summary(TimePoint now, const wire::Message& msg);
  void on_sync_pull(const wire::Message& msg);
  void on_sync_records(TimePoint now, const wire::Message& msg);
  // Every message: is its sender known and alive to us? (before the body)
  void check_sender(TimePoint now, const wire::Header& h);
  // Every message: does its digest agree with ours? (after the body)
  void check_digest(TimePoint now, const wire::Header& h);

  // This process was stopped: sync with a random live member at once, to
  // learn what happened meanwhile without waiting for a digest mismatch.
  void on_pause(TimePoint now);

  void join_tick(TimePoint now);
  void sync_tick(TimePoint now);
  // Once a second: reconnect and rejoin attempts, expiry of rate limits.
  void housekeep(TimePoint now);
  TimePoint deadline() const;

 private:
  void send_sync_req(TimePoint now, const std::string& endpoint, bool join);
  void send_differing_buckets(TimePoint now, const std::string& endpoint,
                              const std::vector<std::uint64_t>& theirs);

  Context& ctx_;
  Outbox& out_;
  PeerSelection& peers_;
  Merger& merger_;

  TimePoint next_sync_at_{};
  TimePoint last_sync_at_{};
  std::optional<TimePoint> mismatch_since_;
  TimePoint next_reconnect_at_{};
  TimePoint next_rejoin_at_{};
  std::map<std::string, TimePoint, std::less<>> told_dead_at_;  // rate limit "you are dead"
  std::map<std::pair<std::string, std::string>, TimePoint> corrected_at_;  // (sender, member)

  std::vector<std::string> seeds_;
  bool joined_ = false;
  static constexpr int kSteadyJoinAttempts = 30;
  int join_attempts_ = 0;
  TimePoint next_join_at_ = kNever;
  Duration join_backoff_{};
};

}  // namespace hearsay::membership
