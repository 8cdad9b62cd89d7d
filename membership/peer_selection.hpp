// PeerSelection: whom this node talks to.
//
// It keeps the live members other than this node (in the order they became
// live) and the recently dead, who are still gossiped to for
// gossip_to_the_dead so they learn of their death and refute. It draws
// uniform random samples of them (gossip targets, ping-req helpers, sync
// partners) and runs SWIM's probe schedule: a round-robin over the live
// members, shuffled anew for each pass, with new members inserted at a random
// place in the rest of the current pass, so every member is probed within
// two passes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "membership/context.hpp"

namespace hearsay::membership {

class PeerSelection {
 public:
  explicit PeerSelection(Context& ctx) : ctx_(ctx) {}

  // Keeps the lists in step with the member table; `was_live` is how the
  // member stood before the change.
  void on_member_changed(const Member& m, bool was_live);
  // Drops members dead longer than gossip_to_the_dead.
  void expire_recent_dead(TimePoint now);

  // The next member to probe; nullopt if there is nobody.
  std::optional<std::string> next_probe_target();
  // Up to k distinct members (live ones, plus the recently dead if asked),
  // never `exclude`, uniformly at random.
  std::vector<const Member*> sample(std::size_t k, bool include_recent_dead,
                                    std::string_view exclude, TimePoint now);

 private:
  Context& ctx_;
  std::vector<std::string> live_;
  std::vector<std::string> recent_dead_;
  std::vector<std::string> probe_order_;
  std::size_t probe_index_ = 0;
};

}  // namespace hearsay::membership
