// MemberTable: every member this node knows of, with the precedence rules.
//
// A higher incarnation always wins; at equal incarnations the more final state
// wins (alive < suspect < dead < left). This is DESIGN §2's rule set written
// as one order. Dead and left members stay as tombstones so stale gossip
// cannot resurrect them; the core forgets them after the tombstone timeout.
//
// The table keeps a 64-bit digest of the live part of the cluster (alive and
// suspect members: name, endpoint, incarnation, service version): the sum of
// one xxHash per member, updated in O(1) on every change. Tombstones are left
// out so that nodes which forgot a tombstone at slightly different times still
// agree; a node that still holds a dead member alive disagrees, and syncs.
// The same sums are also kept per bucket (kDigestBuckets buckets, a member's
// bucket fixed by a hash of its name): two nodes that disagree compare bucket
// digests and exchange only the members of the buckets that differ.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hearsay/service.hpp"
#include "membership/incarnation.hpp"
#include "membership/time.hpp"

namespace hearsay::membership {

inline constexpr std::size_t kDigestBuckets = 64;
// The digest bucket of a member name.
std::size_t digest_bucket(std::string_view name);

struct Member {
  std::string name;
  std::string endpoint;
  Incarnation incarnation;
  MemberState state = MemberState::alive;
  TimePoint state_since{};
  std::string from;  // who declared it suspect or dead
  Incarnation services_version;
  std::vector<Service> services;
  bool services_complete = true;  // false: version known, set still being pulled
  std::uint64_t digest_part = 0;

  bool live() const { return state == MemberState::alive || state == MemberState::suspect; }
};

int state_rank(MemberState s);
// Does a claim (state, incarnation) override what we hold?
bool overrides(MemberState state, const Incarnation& inc, const Member& current);

class MemberTable {
 public:
  using Map = std::map<std::string, Member, std::less<>>;

  const Member* find(std::string_view name) const;
  const Member* find_by_endpoint(std::string_view endpoint) const;
  const Map& all() const { return members_; }
  std::size_t size() const { return members_.size(); }
  std::size_t count(MemberState s) const { return counts_[static_cast<int>(s)]; }
  std::size_t live_count() const { return count(MemberState::alive) + count(MemberState::suspect); }
  std::uint64_t digest() const { return digest_; }
  const std::array<std::uint64_t, kDigestBuckets>& bucket_digests() const { return buckets_; }

  // Inserts or replaces a member wholesale; keeps counts and digest right.
  const Member& put(Member m);
  // Changes fields of an existing member through `edit`; keeps counts and digest right.
  const Member& update(std::string_view name, const std::function<void(Member&)>& edit);
  void erase(std::string_view name);

 private:
  void account(const Member& m, int sign);

  Map members_;
  std::size_t counts_[4] = {0, 0, 0, 0};
  std::uint64_t digest_ = 0;
  std::array<std::uint64_t, kDigestBuckets> buckets_{};
};

std::uint64_t digest_part(const Member& m);

}  // namespace hearsay::membership
