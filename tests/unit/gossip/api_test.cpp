// The public API's edges, checked at compile time: what users can and cannot
// construct, convert, copy and move.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <type_traits>

#include "hearsay/node.hpp"
#include "hearsay/registry.hpp"

namespace hearsay {
namespace {

// A Watch is made by Node::watch, never by accident from a function.
static_assert(!std::is_convertible_v<std::function<void()>, Watch>);
static_assert(std::is_nothrow_move_constructible_v<Watch>);
static_assert(!std::is_copy_constructible_v<Watch>);

// Registry snapshots come from a Node: the constructor taking internal data
// is not public.
static_assert(!std::is_constructible_v<Registry, std::shared_ptr<const detail::RegistryData>,
                                       std::shared_ptr<detail::PickState>>);
static_assert(std::is_default_constructible_v<Registry>);

// A Node owns a thread and sockets: movable, not copyable.
static_assert(std::is_nothrow_move_constructible_v<Node>);
static_assert(std::is_nothrow_move_assignable_v<Node>);
static_assert(!std::is_copy_constructible_v<Node>);
static_assert(!std::is_copy_assignable_v<Node>);

// Config is the protocol's parameters plus the node's own fields.
static_assert(std::is_base_of_v<ProtocolParams, Config>);

TEST(PublicApi, EdgesAreCheckedAtCompileTime) {
  SUCCEED() << "see the static_asserts in this file";
}

}  // namespace
}  // namespace hearsay
