// RegistryView: the service registry derived from the member table.
//
// An index from service name to the instances of live members, kept up to
// date by the core as members change, so lookups cost O(instances of that
// name), not O(cluster). `version()` rises on every change so readers can tell.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hearsay/registry.hpp"
#include "hearsay/service.hpp"
#include "membership/member_table.hpp"

namespace hearsay::membership {

// Instance and Query are the public types (hearsay/registry.hpp): the view
// holds instances without a round-trip time, which the node adds when it
// publishes a snapshot.

// Does `i` pass `q`'s filters (member state, health, tag)? The one filter
// both the view and the published Registry use.
bool matches(const Instance& i, const Query& q);

class RegistryView {
 public:
  // Re-indexes one member: its instances appear if it is live, vanish if not.
  void on_member_changed(const Member& m);
  void on_member_erased(std::string_view name);

  std::vector<Instance> lookup(std::string_view service, const Query& q = {}) const;
  std::vector<std::string> service_names() const;
  std::size_t instance_count() const;
  std::uint64_t version() const { return version_; }

 private:
  void remove(std::string_view member);

  // service name -> member name -> that member's instances of the service
  std::map<std::string, std::map<std::string, std::vector<Instance>, std::less<>>, std::less<>>
      by_name_;
  std::map<std::string, std::vector<std::string>, std::less<>> names_of_member_;
  std::uint64_t version_ = 0;
};

}  // namespace hearsay::membership
