#include "membership/registry_view.hpp"

#include <algorithm>

namespace hearsay::membership {

bool matches(const Instance& i, const Query& q) {
  if (i.member_state != MemberState::alive &&
      !(i.member_state == MemberState::suspect && q.include_suspect))
    return false;
  if (i.service.health > q.worst_health) return false;
  if (q.tag) {
    const auto& tags = i.service.tags;
    if (std::find(tags.begin(), tags.end(), *q.tag) == tags.end()) return false;
  }
  return true;
}

void RegistryView::remove(std::string_view member) {
  auto it = names_of_member_.find(member);
  if (it == names_of_member_.end()) return;
  for (const auto& service : it->second) {
    auto byname = by_name_.find(service);
    if (byname == by_name_.end()) continue;
    byname->second.erase(std::string(member));
    if (byname->second.empty()) by_name_.erase(byname);
  }
  names_of_member_.erase(it);
}

void RegistryView::on_member_changed(const Member& m) {
  remove(m.name);
  ++version_;
  if (!m.live() || m.services.empty()) return;
  auto& names = names_of_member_[m.name];
  // Each member's instances in id order: snapshots promise member-then-id.
  std::vector<const Service*> by_id;
  for (const auto& s : m.services)
    by_id.push_back(&s);
  std::sort(by_id.begin(), by_id.end(),
            [](const Service* a, const Service* b) { return a->id < b->id; });
  for (const auto* sp : by_id) {
    const auto& s = *sp;
    auto& list = by_name_[s.name][m.name];
    if (list.empty()) names.push_back(s.name);
    list.push_back(Instance{m.name, m.state, s, std::nullopt});
  }
}

void RegistryView::on_member_erased(std::string_view name) {
  remove(name);
  ++version_;
}

std::vector<Instance> RegistryView::lookup(std::string_view service, const Query& q) const {
  std::vector<Instance> out;
  auto it = by_name_.find(service);
  if (it == by_name_.end()) return out;
  for (const auto& [member, list] : it->second) {
    for (const auto& inst : list)
      if (matches(inst, q)) out.push_back(inst);
  }
  return out;
}

std::vector<std::string> RegistryView::service_names() const {
  std::vector<std::string> out;
  out.reserve(by_name_.size());
  for (const auto& [name, members] : by_name_)
    out.push_back(name);
  return out;
}

std::size_t RegistryView::instance_count() const {
  std::size_t n = 0;
  for (const auto& [name, members] : by_name_)
    for (const auto& [member, list] : members)
      n += list.size();
  return n;
}

}  // namespace hearsay::membership
