#include "membership/service_set.hpp"

#include <algorithm>
#include <string>

#include "hearsay/errors.hpp"
#include "membership/wire/codec.hpp"

namespace hearsay::membership {

namespace {

void check_record(const Service& s, const ProtocolParams& c) {
  if (s.name.empty()) throw ConfigError("service.name", "must not be empty");
  if (s.id.empty()) throw ConfigError("service.id", "must not be empty");
  if (s.name.size() > 255) throw ConfigError("service.name", "must be at most 255 bytes");
  if (s.id.size() > 255) throw ConfigError("service.id", "must be at most 255 bytes");
  const auto size = wire::encoded_size(s);
  if (size > c.max_service_record_bytes)
    throw ConfigError("service", "record '" + s.id + "' encodes to " + std::to_string(size) +
                                     " bytes, over max_service_record_bytes (" +
                                     std::to_string(c.max_service_record_bytes) + ")");
}

}  // namespace

std::vector<Service> with_service(std::vector<Service> set, Service service,
                                  const ProtocolParams& c) {
  check_record(service, c);
  auto it =
      std::find_if(set.begin(), set.end(), [&](const Service& s) { return s.id == service.id; });
  if (it != set.end()) {
    *it = std::move(service);
  } else {
    if (set.size() >= c.max_services)
      throw ConfigError("services", "node already advertises max_services (" +
                                        std::to_string(c.max_services) + ") records");
    set.push_back(std::move(service));
  }
  const auto total = wire::encoded_size(set);
  if (total > c.max_services_bytes)
    throw ConfigError("services", "service set would encode to " + std::to_string(total) +
                                      " bytes, over max_services_bytes (" +
                                      std::to_string(c.max_services_bytes) + ")");
  return set;
}

std::vector<Service> checked_services(std::vector<Service> set, const ProtocolParams& c) {
  std::vector<Service> out;
  for (auto& s : set) {
    for (const auto& have : out)
      if (have.id == s.id) throw ConfigError("services", "duplicate service id '" + s.id + "'");
    out = with_service(std::move(out), std::move(s), c);
  }
  return out;
}

}  // namespace hearsay::membership
