#include "gossip/node_stats.hpp"

#include <string>

namespace hearsay::gossip {

using membership::wire::DropReason;
using membership::wire::MessageType;

Stats collect_stats(const membership::Core& core, const TransportStats& transport,
                    const NodeCounters& node, std::uint64_t command_queue) {
  Stats s;
  const auto& cs = core.stats();
  static_cast<ProtocolCounters&>(s) = cs;
  static_cast<TransportCounters&>(s) = transport;
  static_cast<NodeCounters&>(s) = node;
  for (std::size_t t = 1; t < cs.messages_in.size(); ++t) {
    const std::string type(to_string(static_cast<MessageType>(t)));
    s.messages_in[type] = cs.messages_in[t];
    s.messages_out[type] = cs.messages_out[t];
  }
  for (std::size_t r = 1; r < cs.dropped.size(); ++r)
    s.dropped[std::string(to_string(static_cast<DropReason>(r)))] = cs.dropped[r];
  const auto& table = core.members();
#define HEARSAY_MEMBERS(state) s.members_##state = table.count(MemberState::state);
  HEARSAY_MEMBER_STATES(HEARSAY_MEMBERS)
#undef HEARSAY_MEMBERS
  s.awareness = static_cast<std::uint64_t>(core.awareness());
  s.broadcast_queue = core.broadcasts_pending();
  s.command_queue = command_queue;
  s.outbound_connections = transport.open_connections;
  return s;
}

}  // namespace hearsay::gossip
