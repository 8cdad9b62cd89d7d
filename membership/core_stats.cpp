#include "membership/core_stats.hpp"

namespace hearsay::membership {

void CoreStats::add(const CoreStats& other) {
  const auto add_all = [](auto& into, const auto& from) {
    for (std::size_t k = 0; k < into.size(); ++k)
      into[k] += from[k];
  };
  add_all(messages_in, other.messages_in);
  add_all(messages_out, other.messages_out);
  add_all(dropped, other.dropped);
#define HEARSAY_ADD(name, help) name += other.name;
  HEARSAY_PROTOCOL_COUNTERS(HEARSAY_ADD)
#undef HEARSAY_ADD
}

}  // namespace hearsay::membership
