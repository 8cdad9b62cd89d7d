// connect_endpoint: which endpoint a node's PUSH socket dials a peer with —
// from the node's own bound IP when it has a specific one of the peer's
// family, else the peer's endpoint unchanged (the kernel picks the source).
#include <gtest/gtest.h>

#include <string>

#include "gossip/zmq_transport.hpp"

namespace hearsay::gossip {
namespace {

TEST(ConnectEndpoint, SpecificIpv4BindIsTheSource) {
  EXPECT_EQ(connect_endpoint("tcp://127.0.0.2:7946", "tcp://127.0.0.3:7946"),
            "tcp://127.0.0.2:0;127.0.0.3:7946");
  EXPECT_EQ(connect_endpoint("tcp://10.0.0.5:41234", "tcp://10.0.1.9:7946"),
            "tcp://10.0.0.5:0;10.0.1.9:7946");
}

TEST(ConnectEndpoint, SpecificIpv6BindIsTheSource) {
  EXPECT_EQ(connect_endpoint("tcp://[::1]:7946", "tcp://[::1]:7947"), "tcp://[::1]:0;[::1]:7947");
  EXPECT_EQ(connect_endpoint("tcp://[fd00::5]:7946", "tcp://[fd00::9]:7946"),
            "tcp://[fd00::5]:0;[fd00::9]:7946");
}

TEST(ConnectEndpoint, WildcardBindLeavesTheSourceToTheKernel) {
  EXPECT_EQ(connect_endpoint("tcp://0.0.0.0:7946", "tcp://10.0.0.7:7946"), "tcp://10.0.0.7:7946");
  EXPECT_EQ(connect_endpoint("tcp://[::]:7946", "tcp://[fd00::9]:7946"), "tcp://[fd00::9]:7946");
  EXPECT_EQ(connect_endpoint("tcp://*:7946", "tcp://10.0.0.7:7946"), "tcp://10.0.0.7:7946");
  EXPECT_EQ(connect_endpoint("tcp://eth0:7946", "tcp://10.0.0.7:7946"), "tcp://10.0.0.7:7946");
}

TEST(ConnectEndpoint, OtherFamiliesHostsAndTransportsAreUnchanged) {
  // An IPv4 source cannot reach an IPv6 peer, nor the other way round.
  EXPECT_EQ(connect_endpoint("tcp://127.0.0.2:7946", "tcp://[::1]:7946"), "tcp://[::1]:7946");
  EXPECT_EQ(connect_endpoint("tcp://[::1]:7946", "tcp://127.0.0.3:7946"), "tcp://127.0.0.3:7946");
  // A host name may resolve to either family: not guessed.
  EXPECT_EQ(connect_endpoint("tcp://127.0.0.2:7946", "tcp://node-3.example:7946"),
            "tcp://node-3.example:7946");
  EXPECT_EQ(connect_endpoint("ipc:///tmp/a.sock", "tcp://127.0.0.3:7946"), "tcp://127.0.0.3:7946");
  EXPECT_EQ(connect_endpoint("tcp://127.0.0.2:7946", "ipc:///tmp/b.sock"), "ipc:///tmp/b.sock");
  // A peer endpoint that already names its source is left as it is.
  EXPECT_EQ(connect_endpoint("tcp://127.0.0.2:7946", "tcp://127.0.0.9:0;127.0.0.3:7946"),
            "tcp://127.0.0.9:0;127.0.0.3:7946");
  EXPECT_EQ(connect_endpoint("tcp://127.0.0.2:7946", "not an endpoint"), "not an endpoint");
}

}  // namespace
}  // namespace hearsay::gossip
