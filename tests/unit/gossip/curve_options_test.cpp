// curve_options: Config's keys as the transport's CURVE options — which key
// a node serves with, dials with and admits, with and without a node key,
// and the extra cluster keys of a rotation. The mapping checks no key, so
// readable stand-ins make the expectations plain.
#include "gossip/curve_options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hearsay::gossip {
namespace {

using Keys = std::vector<std::string>;

KeyPair pair(const std::string& name) {
  return {name + ".public", name + ".secret"};
}

// Which pair (made by pair()) a public and secret key are from, checked whole.
std::string pair_of(const std::string& public_key, const std::string& secret_key) {
  const auto name = public_key.substr(0, public_key.find('.'));
  return secret_key == name + ".secret" ? name : public_key + " with " + secret_key;
}

// "serves S, dials D": the pairs the node serves and dials with.
std::string roles(const CurveOptions& o) {
  return "serves " + pair_of(o.server_public, o.server_secret) + ", dials " +
         pair_of(o.client_public, o.client_secret);
}

// "S with D": an alternative's server key and the pair it dials with.
std::string alternative(const CurveAlternative& a) {
  return a.server_public + " with " + pair_of(a.client_public, a.client_secret);
}

using Alternatives = std::vector<std::string>;

Alternatives alternatives(const CurveOptions& o) {
  Alternatives out;
  for (const auto& a : o.alternatives)
    out.push_back(alternative(a));
  return out;
}

TEST(CurveOptions, NoneWithoutAClusterKey) {
  Config c;
  EXPECT_FALSE(curve_options(c));
  // Other keys alone do not turn CURVE on.
  c.node_key = pair("node");
  c.allowed_keys = {"peer.public"};
  c.extra_cluster_keys = {pair("next")};
  EXPECT_FALSE(curve_options(c));
}

TEST(CurveOptions, ClusterKeyAloneServesDialsAndAdmitsWithIt) {
  Config c;
  c.cluster_key = pair("cluster");
  const auto o = curve_options(c);
  ASSERT_TRUE(o);
  EXPECT_EQ(roles(*o), "serves cluster, dials cluster");
  EXPECT_EQ(o->allowed_client_keys, Keys{"cluster.public"});
  EXPECT_TRUE(o->alternatives.empty());
}

TEST(CurveOptions, NodeKeyDialsAndIsAdmittedWithTheAllowedKeys) {
  Config c;
  c.cluster_key = pair("cluster");
  c.node_key = pair("node");
  c.allowed_keys = {"peer1.public", "peer2.public"};
  const auto o = curve_options(c);
  ASSERT_TRUE(o);
  // Still served with the cluster key: peers expect it.
  EXPECT_EQ(roles(*o), "serves cluster, dials node");
  EXPECT_EQ(o->allowed_client_keys,
            (Keys{"peer1.public", "peer2.public", "cluster.public", "node.public"}));
}

// Rotation: each extra cluster key is a further server key to dial, with
// the node key if there is one (peers admit it already) or its own pair.
TEST(CurveOptions, EachExtraClusterKeyIsAnAlternativeAndIsAdmitted) {
  for (const bool with_node_key : {false, true}) {
    SCOPED_TRACE(with_node_key ? "with a node key" : "without a node key");
    Config c;
    c.cluster_key = pair("cluster");
    if (with_node_key) c.node_key = pair("node");
    c.allowed_keys = {"peer.public"};
    c.extra_cluster_keys = {pair("next"), pair("old")};
    const auto o = curve_options(c);
    ASSERT_TRUE(o);
    if (with_node_key) {
      EXPECT_EQ(roles(*o), "serves cluster, dials node");
      EXPECT_EQ(alternatives(*o), (Alternatives{"next.public with node", "old.public with node"}));
      EXPECT_EQ(o->allowed_client_keys, (Keys{"peer.public", "cluster.public", "node.public",
                                              "next.public", "old.public"}));
    } else {
      EXPECT_EQ(roles(*o), "serves cluster, dials cluster");
      EXPECT_EQ(alternatives(*o), (Alternatives{"next.public with next", "old.public with old"}));
      EXPECT_EQ(o->allowed_client_keys,
                (Keys{"peer.public", "cluster.public", "next.public", "old.public"}));
    }
  }
}

}  // namespace
}  // namespace hearsay::gossip
