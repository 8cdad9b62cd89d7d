// ServiceSet rules: adding or replacing one of a node's own service records
// within the configured limits. Shared by the core and by hearsay::Node, which
// checks on the caller's thread so errors reach the caller.
#pragma once

#include <vector>

#include "hearsay/protocol_params.hpp"
#include "hearsay/service.hpp"

namespace hearsay::membership {

// `set` with `service` added, or replacing the record with the same id.
// Throws ConfigError naming the field ("service.name", "service.id",
// "service", "services") if the record or the new set breaks a limit.
std::vector<Service> with_service(std::vector<Service> set, Service service,
                                  const ProtocolParams& c);

// `set` itself, checked as a whole: every record valid, ids unique
// ("services": duplicate service id), within the limits.
std::vector<Service> checked_services(std::vector<Service> set, const ProtocolParams& c);

}  // namespace hearsay::membership
