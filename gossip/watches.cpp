#include "gossip/watches.hpp"

namespace hearsay::gossip {

namespace {

using InstanceKey = std::pair<std::string, std::string>;  // member, service id

std::map<InstanceKey, const Instance*> index_of(const std::vector<Instance>* list) {
  std::map<InstanceKey, const Instance*> out;
  if (list)
    for (const auto& i : *list)
      out.emplace(InstanceKey{i.member, i.service.id}, &i);
  return out;
}

const std::vector<Instance>* instances_of(const detail::RegistryData* d, const std::string& name) {
  if (!d) return nullptr;
  auto it = d->by_name.find(name);
  return it == d->by_name.end() ? nullptr : &it->second;
}

}  // namespace

std::vector<ServiceEvent> service_changes(const std::vector<Instance>* before,
                                          const std::vector<Instance>* after) {
  const auto old_index = index_of(before);
  const auto new_index = index_of(after);
  std::vector<ServiceEvent> events;
  for (const auto& [key, inst] : new_index) {
    auto it = old_index.find(key);
    if (it == old_index.end())
      events.push_back({ServiceEventType::added, *inst});
    else if (!(it->second->service == inst->service) ||
             it->second->member_state != inst->member_state)
      events.push_back({ServiceEventType::updated, *inst});
  }
  for (const auto& [key, inst] : old_index)
    if (!new_index.count(key)) events.push_back({ServiceEventType::removed, *inst});
  return events;
}

std::uint64_t Watches::add_service(std::string service, ServiceFn fn) {
  std::lock_guard lock(mu_);
  const auto id = next_id_++;
  services_.emplace(id, std::pair{std::move(service), std::make_shared<ServiceFn>(std::move(fn))});
  return id;
}

std::uint64_t Watches::add_members(MemberFn fn) {
  std::lock_guard lock(mu_);
  const auto id = next_id_++;
  members_.emplace(id, std::make_shared<MemberFn>(std::move(fn)));
  return id;
}

void Watches::remove(std::uint64_t id) {
  std::lock_guard lock(mu_);
  services_.erase(id);
  members_.erase(id);
}

template <typename Event>
void Watches::call(const std::function<void(const Event&)>& fn, const Event& e) {
  try {
    fn(e);
  } catch (...) {
    ++callback_errors_;
  }
}

void Watches::deliver(const std::vector<MemberEvent>& events) {
  if (events.empty()) return;
  std::vector<std::shared_ptr<MemberFn>> fns;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, fn] : members_)
      fns.push_back(fn);
  }
  for (const auto& e : events)
    for (const auto& fn : fns)
      call(*fn, e);
}

void Watches::deliver_changes(const detail::RegistryData* before,
                              const detail::RegistryData& after) {
  std::vector<std::pair<std::string, std::shared_ptr<ServiceFn>>> fns;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, w] : services_)
      fns.push_back(w);
  }
  for (const auto& [service, fn] : fns)
    for (const auto& e :
         service_changes(instances_of(before, service), instances_of(&after, service)))
      call(*fn, e);
}

}  // namespace hearsay::gossip
