#include "membership/member_table.hpp"

#include <xxhash.h>

#include <cstring>

namespace hearsay::membership {

int state_rank(MemberState s) {
  return static_cast<int>(s);
}

bool overrides(MemberState state, const Incarnation& inc, const Member& current) {
  if (inc != current.incarnation) return inc > current.incarnation;
  return state_rank(state) > state_rank(current.state);
}

std::uint64_t digest_part(const Member& m) {
  if (!m.live()) return 0;
  // name NUL endpoint NUL then the four numbers, hashed in one call.
  std::string buf;
  buf.reserve(m.name.size() + m.endpoint.size() + 2 + 32);
  buf.append(m.name).push_back('\0');
  buf.append(m.endpoint).push_back('\0');
  const std::uint64_t nums[4] = {m.incarnation.generation, m.incarnation.counter,
                                 m.services_version.generation, m.services_version.counter};
  char raw[sizeof nums];
  std::memcpy(raw, nums, sizeof nums);
  buf.append(raw, sizeof raw);
  return XXH3_64bits(buf.data(), buf.size());
}

std::size_t digest_bucket(std::string_view name) {
  return XXH3_64bits(name.data(), name.size()) % kDigestBuckets;
}

const Member* MemberTable::find(std::string_view name) const {
  auto it = members_.find(name);
  return it == members_.end() ? nullptr : &it->second;
}

const Member* MemberTable::find_by_endpoint(std::string_view endpoint) const {
  for (const auto& [name, m] : members_)
    if (m.endpoint == endpoint) return &m;
  return nullptr;
}

void MemberTable::account(const Member& m, int sign) {
  auto& c = counts_[static_cast<int>(m.state)];
  c = sign > 0 ? c + 1 : c - 1;
  digest_ = sign > 0 ? digest_ + m.digest_part : digest_ - m.digest_part;
  auto& b = buckets_[digest_bucket(m.name)];
  b = sign > 0 ? b + m.digest_part : b - m.digest_part;
}

const Member& MemberTable::put(Member m) {
  m.digest_part = digest_part(m);
  auto it = members_.find(m.name);
  if (it != members_.end()) {
    account(it->second, -1);
    it->second = std::move(m);
  } else {
    auto name = m.name;
    it = members_.emplace(std::move(name), std::move(m)).first;
  }
  account(it->second, +1);
  return it->second;
}

const Member& MemberTable::update(std::string_view name, const std::function<void(Member&)>& edit) {
  auto it = members_.find(name);
  account(it->second, -1);
  edit(it->second);
  it->second.digest_part = digest_part(it->second);
  account(it->second, +1);
  return it->second;
}

void MemberTable::erase(std::string_view name) {
  auto it = members_.find(name);
  if (it == members_.end()) return;
  account(it->second, -1);
  members_.erase(it);
}

}  // namespace hearsay::membership
