#include "demo/cluster/agreement.hpp"

#include <algorithm>
#include <utility>

namespace hearsay::tools {

namespace {

std::string seen_as(const std::string& what, const std::string& seen, const std::string& wanted) {
  return seen == wanted ? "" : "sees " + what + " " + (seen.empty() ? "not at all" : seen);
}

// Why `o` cannot be counted yet ("" if it can): it must have answered a
// request sent after `since`.
std::string not_answered(const Snapshot& snap, const std::string& o, Clock::time_point since) {
  const auto it = snap.find(o);
  if (it == snap.end()) return o + " does not answer";
  if (!it->second.ok) return o + " does not answer (" + it->second.error + ")";
  if (it->second.sent < since) return o + " has not answered since";
  return "";
}

// make(x) for every x of `names`.
std::vector<NodeCheck> for_each(const std::vector<std::string>& names,
                                const std::function<NodeCheck(const std::string&)>& make) {
  std::vector<NodeCheck> out;
  for (const auto& n : names)
    out.push_back(make(n));
  return out;
}

}  // namespace

NodeCheck sees_member(const std::string& member, const std::string& state) {
  return [member, state](const std::string&, const NodeStatus& st) {
    return seen_as(member, st.member_state(member), state);
  };
}

NodeCheck sees_all_alive(const std::vector<std::string>& members) {
  return all_of(for_each(members, [](const std::string& m) { return sees_member(m, "alive"); }));
}

NodeCheck sees_instance(const std::string& key, const std::string& health) {
  return [key, health](const std::string&, const NodeStatus& st) {
    return seen_as(key, st.instance_health(key), health);
  };
}

NodeCheck sees_all_passing(const std::vector<std::string>& keys) {
  return all_of(for_each(keys, [](const std::string& k) { return sees_instance(k, "passing"); }));
}

NodeCheck sees_other_side_dead(const std::vector<std::string>& side_a,
                               const std::vector<std::string>& side_b) {
  return [side_a, side_b](const std::string& o, const NodeStatus& st) {
    const bool in_a = std::find(side_a.begin(), side_a.end(), o) != side_a.end();
    for (const auto& m : in_a ? side_b : side_a)
      if (auto why = seen_as(m, st.member_state(m), "dead"); !why.empty()) return why;
    return std::string();
  };
}

NodeCheck all_of(std::vector<NodeCheck> checks) {
  return [checks = std::move(checks)](const std::string& o, const NodeStatus& st) {
    for (const auto& check : checks)
      if (auto why = check(o, st); !why.empty()) return why;
    return std::string();
  };
}

Condition every_node(std::vector<std::string> who, NodeCheck check, Digests digests) {
  return [who = std::move(who), check = std::move(check), digests](const Snapshot& snap,
                                                                   Clock::time_point since) {
    Verdict v;
    v.at = since;
    std::string digest;
    for (const auto& o : who) {
      if (v.why = not_answered(snap, o, since); !v.why.empty()) return v;
      const NodeStatus& st = snap.at(o);
      if (auto why = check(o, st); !why.empty()) {
        v.why = o + " " + why;
        return v;
      }
      if (digests == Digests::equal) {
        if (digest.empty()) digest = st.digest;
        if (st.digest != digest) {
          v.why = "digests differ (" + o + " has " + st.digest + ", others " + digest + ")";
          return v;
        }
      }
      v.at = std::max(v.at, st.received);
    }
    v.holds = true;
    return v;
  };
}

}  // namespace hearsay::tools
