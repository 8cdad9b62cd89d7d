#include "membership/service_pulls.hpp"

#include <algorithm>

namespace hearsay::membership {

using wire::MessageType;

void ServicePulls::request(TimePoint now, const wire::MemberRecord& r,
                           std::string_view via_endpoint) {
  pending_[r.name] = Pending{r.services_version, now + ctx_.params.probe_timeout * 2, false};
  out_.send(std::string(via_endpoint), MessageType::services_pull, out_.next_seq(),
            wire::ServicesPull{r.name, r.services_version}, false);
}

void ServicePulls::done(std::string_view member) {
  if (auto it = pending_.find(member); it != pending_.end()) pending_.erase(it);
}

void ServicePulls::on_services_pull(const wire::Message& msg) {
  const auto& req = std::get<wire::ServicesPull>(msg.body);
  const auto* m = ctx_.table.find(req.name);
  if (!m || !m->services_complete || m->services_version < req.version) return;
  out_.send_records(msg.header.sender_endpoint, {m});
}

void ServicePulls::tick(TimePoint now) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now < it->second.deadline) {
      ++it;
      continue;
    }
    const auto* m = ctx_.table.find(it->first);
    if (it->second.asked_owner || !m || !m->live() || m->services_complete) {
      it = pending_.erase(it);  // anti-entropy will catch up
      continue;
    }
    // The peer that told us did not answer: ask the owner itself.
    it->second.asked_owner = true;
    it->second.deadline = now + ctx_.params.probe_timeout * 2;
    out_.send(m->endpoint, MessageType::services_pull, out_.next_seq(),
              wire::ServicesPull{m->name, it->second.version}, false);
    ++it;
  }
}

TimePoint ServicePulls::deadline() const {
  TimePoint t = kNever;
  for (const auto& [name, p] : pending_)
    t = std::min(t, p.deadline);
  return t;
}

}  // namespace hearsay::membership
