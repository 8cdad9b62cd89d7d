// Names of drop reasons, as they appear in stats and logs.
#include "membership/wire/drop_reason.hpp"

namespace hearsay::membership::wire {

namespace {

// Indexed by the enumerator's value; the static_assert keeps it in step.
constexpr std::array<std::string_view, kDropReasonCount> kNames = {
    "none",       "truncated", "malformed",    "bad_magic",     "bad_version", "foreign_cluster",
    "wrong_type", "oversized", "unknown_type", "invalid_value", "unexpected",
};
static_assert(static_cast<std::size_t>(DropReason::unexpected) + 1 == kDropReasonCount);

}  // namespace

std::string_view to_string(DropReason r) noexcept {
  const auto i = static_cast<std::size_t>(r);
  return i < kNames.size() ? kNames[i] : "unknown";
}

}  // namespace hearsay::membership::wire
