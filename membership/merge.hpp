// Merger: claims about members meet the member table here.
//
// A claim is a member's (state, incarnation) as some node tells it — in news,
// in an anti-entropy record, or as this node's own verdict. DESIGN §2's
// precedence decides whether it overrides what we hold (MemberTable's
// `overrides`); what happens next depends on the state claimed:
// - a member we never knew: learn it (and pull its service set if it came by
//   version only); a suspicion of it starts our own timer;
// - alive: adopt the newer incarnation, endpoint and service set;
// - suspect: start (or confirm) a Lifeguard suspicion timer;
// - dead or left: keep a tombstone until tombstone_timeout.
// A claim about this node that is not alive (or is a newer alive) is
// refuted with a higher incarnation. A death learnt through anti-entropy is
// applied as a suspicion, so a member the other side of a partition gave up
// on can still refute — except right after this process was stopped, when
// our own view is the stale one.
//
// Every change goes through commit(), which keeps the registry view and peer
// selection in step, queues the news and records a member event.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hearsay/events.hpp"
#include "membership/context.hpp"
#include "membership/dissemination.hpp"
#include "membership/peer_selection.hpp"
#include "membership/service_pulls.hpp"
#include "membership/suspicion.hpp"
#include "membership/wire/messages.hpp"

namespace hearsay::membership {

class Merger {
 public:
  enum class Origin { gossip, sync };

  Merger(Context& ctx, PeerSelection& peers, Dissemination& news, ServicePulls& pulls)
      : ctx_(ctx), peers_(peers), news_(news), pulls_(pulls) {}

  // Applies one claim that reached us from `via_endpoint`; true if it
  // changed what we hold.
  bool apply(TimePoint now, const wire::MemberRecord& r, Origin origin,
             std::string_view via_endpoint);
  // A claim about this node: refuted if it is not our own latest word.
  bool apply_about_self(TimePoint now, const wire::MemberRecord& r);
  // True if `r` accuses (suspect or dead) a member we hold alive at a newer
  // incarnation: its sender still spreads a suspicion that was refuted.
  bool outdated_accusation(const wire::MemberRecord& r) const;
  // Our own probe of `m` failed: suspect it, or confirm our suspicion.
  void accuse(TimePoint now, const Member& m);
  // `m`'s endpoint refused us and the helpers we asked: suspect it with a
  // confirmation window of one probe interval (or shorten our timer to it).
  void accuse_refused(TimePoint now, const Member& m);

  // Stores `m`, keeping the registry and peer selection in step; queues it
  // as news if `broadcast`.
  void commit(TimePoint now, Member m, bool broadcast);
  // Raises this node's incarnation counter and spreads its record (after a
  // change of its own services, say).
  void bump_self(TimePoint now);

  // Suspicion timeouts: declare dead those whose timer ran out.
  void tick(TimePoint now);
  TimePoint deadline() const;
  // This process was stopped for `gap`: suspicion timers did not run.
  void postpone_suspicions(Duration gap);
  // This process was stopped until `now`: for gossip_to_the_dead, deaths
  // learnt through anti-entropy are taken as they are, not as suspicions —
  // our own view is the stale one, not the other side's.
  void note_stale_view(TimePoint now) { stale_view_until_ = now + ctx_.params.gossip_to_the_dead; }
  // Forgets tombstones older than tombstone_timeout; returns their names.
  std::vector<std::string> reap_tombstones(TimePoint now);

  std::vector<MemberEvent> take_events() { return std::exchange(events_, {}); }
  // The most live members we have seen at once, less those who left on
  // purpose or were forgotten: fewer live now means we may be cut off.
  std::size_t live_high_water() const { return max_live_seen_; }

 private:
  bool apply_new(TimePoint now, const wire::MemberRecord& r, Origin origin,
                 std::string_view via_endpoint);
  bool apply_known(TimePoint now, const Member& m, MemberState state, const wire::MemberRecord& r,
                   Origin origin);
  bool apply_alive(TimePoint now, const Member& m, const wire::MemberRecord& r, Origin origin,
                   std::string_view via_endpoint);
  bool apply_suspect(TimePoint now, const Member& m, const wire::MemberRecord& r,
                     std::string_view via_endpoint);
  bool apply_final(TimePoint now, const Member& m, MemberState state, const wire::MemberRecord& r);
  void refute(TimePoint now, const Incarnation& heard);
  void suspect(TimePoint now, const Member& m, const Incarnation& inc, const std::string& from);
  void declare_dead(TimePoint now, const std::string& name);
  void emit(MemberEventType type, const Member& m);

  Context& ctx_;
  PeerSelection& peers_;
  Dissemination& news_;
  ServicePulls& pulls_;
  std::map<std::string, Suspicion, std::less<>> suspicions_;
  std::vector<MemberEvent> events_;
  std::size_t max_live_seen_ = 1;
  TimePoint stale_view_until_{};
};

}  // namespace hearsay::membership
