// What "every node agrees" means for each step, as named predicates over the
// observer's snapshot: a NodeCheck says what one node's answer must show
// (sees_member(m, "dead"), sees_all_alive(names), ...), and every_node()
// turns it into the condition that every live node answered after the action
// and shows it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "demo/cluster/observer.hpp"

namespace hearsay::tools {

// Verdict of an agreement condition on one snapshot.
struct Verdict {
  bool holds = false;
  Clock::time_point at{};  // when the last node needed answered in agreement
  std::string why;         // what is still missing
};

// A condition on a snapshot, given the action's time point (answers to
// requests sent before it do not count).
using Condition = std::function<Verdict(const Snapshot&, Clock::time_point since)>;

// What one node (named `observer`) must show; returns what is still missing,
// "" when it shows it.
using NodeCheck = std::function<std::string(const std::string& observer, const NodeStatus&)>;

// The node sees `member` in `state` ("alive", "suspect", "dead", "left").
NodeCheck sees_member(const std::string& member, const std::string& state);
// The node sees every one of `members` alive.
NodeCheck sees_all_alive(const std::vector<std::string>& members);
// The node sees instance `key` ("<member>/<id>") with `health`.
NodeCheck sees_instance(const std::string& key, const std::string& health);
// The node sees every one of `keys` passing.
NodeCheck sees_all_passing(const std::vector<std::string>& keys);
// A node on one side sees every member of the other side dead.
NodeCheck sees_other_side_dead(const std::vector<std::string>& side_a,
                               const std::vector<std::string>& side_b);
// Every one of `checks` holds (the first one missing is reported).
NodeCheck all_of(std::vector<NodeCheck> checks);

enum class Digests : bool { any, equal };

// Every node in `who` answered since the action and `check` holds for each;
// with Digests::equal, their digests are equal too.
Condition every_node(std::vector<std::string> who, NodeCheck check, Digests digests = Digests::any);

}  // namespace hearsay::tools
