// ServicePulls: service sets known by version but not by content.
//
// A set too large to piggyback travels as (member, version). The receiver
// asks the peer that told it for the records (services_pull); if that peer
// does not answer within two probe timeouts it asks the owner itself, and
// after that it leaves the rest to anti-entropy. This node also answers
// other nodes' pulls from its table.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "membership/context.hpp"
#include "membership/outbox.hpp"
#include "membership/wire/messages.hpp"

namespace hearsay::membership {

class ServicePulls {
 public:
  ServicePulls(Context& ctx, Outbox& out) : ctx_(ctx), out_(out) {}

  // Asks `via_endpoint` for the set `r` announced by version.
  void request(TimePoint now, const wire::MemberRecord& r, std::string_view via_endpoint);
  // The set of `member` arrived (or no longer matters).
  void done(std::string_view member);
  void on_services_pull(const wire::Message& msg);

  void tick(TimePoint now);
  TimePoint deadline() const;

 private:
  struct Pending {
    Incarnation version;
    TimePoint deadline;
    bool asked_owner = false;
  };

  Context& ctx_;
  Outbox& out_;
  std::map<std::string, Pending, std::less<>> pending_;
};

}  // namespace hearsay::membership
