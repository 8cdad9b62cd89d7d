// Records: a member as it travels on the wire (wire::MemberRecord) and back.
#pragma once

#include <cstddef>

#include "membership/member_table.hpp"
#include "membership/time.hpp"
#include "membership/wire/messages.hpp"

namespace hearsay::membership {

// A member as news. Its service set rides along only if `with_services`, the
// set is complete, the member is live and the set fits `payload_budget`;
// otherwise it travels by version only and receivers pull it.
wire::MemberRecord news_record(const Member& m, bool with_services, std::size_t payload_budget);

// A member as anti-entropy sends it: whole service sets, whatever their size.
wire::MemberRecord full_record(const Member& m);

// A member first heard of through `r`, at `now`.
Member member_from(const wire::MemberRecord& r, TimePoint now);

}  // namespace hearsay::membership
