// Names of drop reasons, as they appear in stats and logs: the public list
// (hearsay/stats.hpp, the keys of Stats::dropped) is the only spelling.
#include "membership/wire/drop_reason.hpp"

#include "hearsay/stats.hpp"

namespace hearsay::membership::wire {

static_assert(kDropReasonNames.size() + 1 == kDropReasonCount, "one name per reason but none");
static_assert(static_cast<std::size_t>(DropReason::unexpected) + 1 == kDropReasonCount);

std::string_view to_string(DropReason r) noexcept {
  const auto i = static_cast<std::size_t>(r);
  if (i == 0) return "none";
  return i < kDropReasonCount ? kDropReasonNames[i - 1] : "unknown";
}

}  // namespace hearsay::membership::wire
