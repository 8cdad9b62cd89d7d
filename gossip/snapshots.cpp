#include "gossip/snapshots.hpp"

#include <chrono>

namespace hearsay::gossip {

std::shared_ptr<const detail::RegistryData> Snapshots::publish_view(const membership::Core& core) {
  auto data = std::make_shared<detail::RegistryData>();
  const auto& view = core.registry();
  data->version = view.version();
  Query all;
  all.worst_health = Health::critical;
  for (const auto& service : view.service_names()) {
    auto& list = data->by_name[service];
    list = view.lookup(service, all);
    for (auto& inst : list)
      if (auto rtt = core.rtt(inst.member))
        inst.rtt = std::chrono::duration_cast<std::chrono::microseconds>(*rtt);
  }
  auto list = std::make_shared<std::vector<MemberInfo>>();
  for (const auto& [n, m] : core.members().all())
    list->push_back(MemberInfo{m.name, m.endpoint, m.state, m.services.size()});
  members_.store(std::move(list));
  return registry_.exchange(std::move(data));
}

}  // namespace hearsay::gossip
