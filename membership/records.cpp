#include "membership/records.hpp"

#include "membership/wire/codec.hpp"

namespace hearsay::membership {

namespace {

wire::MemberRecord bare_record(const Member& m) {
  return {m.name, m.endpoint, m.incarnation, m.state, m.from, m.services_version, {}};
}

}  // namespace

wire::MemberRecord news_record(const Member& m, bool with_services, std::size_t payload_budget) {
  auto r = bare_record(m);
  // 256 bytes of headroom for the header and the rest of the record.
  if (with_services && m.services_complete && m.live() &&
      wire::encoded_size(m.services) + 256 <= payload_budget)
    r.services = m.services;
  return r;
}

wire::MemberRecord full_record(const Member& m) {
  auto r = bare_record(m);
  if (m.services_complete && m.live()) r.services = m.services;
  return r;
}

Member member_from(const wire::MemberRecord& r, TimePoint now) {
  Member m;
  m.name = r.name;
  m.endpoint = r.endpoint;
  m.incarnation = r.incarnation;
  m.state = r.state;
  m.state_since = now;
  m.from = r.from;
  m.services_version = r.services_version;
  if (r.services) m.services = *r.services;
  m.services_complete = r.services.has_value();
  return m;
}

}  // namespace hearsay::membership
