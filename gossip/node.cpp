// hearsay::Node, the facade: checks what the caller passes on the caller's
// thread (so errors reach the caller), then hands the work to the runtime
// (gossip/node_runtime.hpp) and reads its snapshots.
#include "hearsay/node.hpp"

#include <algorithm>

#include "gossip/node_runtime.hpp"
#include "gossip/registry_data.hpp"
#include "hearsay/testing.hpp"
#include "membership/service_set.hpp"

namespace hearsay {

using membership::TimePoint;

struct Node::Impl : gossip::NodeRuntime {
  using NodeRuntime::NodeRuntime;
};

namespace {

// The service with `id` in `set`, or end.
auto find_service(std::vector<Service>& set, std::string_view id) {
  return std::find_if(set.begin(), set.end(), [&](const Service& s) { return s.id == id; });
}

}  // namespace

Node::Node(Config config) : impl_(std::make_shared<Impl>(std::move(config))) {
  impl_->start();
}

Node::~Node() {
  if (impl_) impl_->leave(impl_->config().leave_timeout);
}

Node::Node(Node&& other) noexcept = default;

Node& Node::operator=(Node&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->leave(impl_->config().leave_timeout);
    impl_ = std::move(other.impl_);
  }
  return *this;
}

const std::string& Node::name() const {
  return impl_->name();
}
const std::string& Node::endpoint() const {
  return impl_->endpoint();
}

void Node::join(std::vector<std::string> seeds) {
  Config probe = impl_->config();
  probe.seeds = seeds;
  probe.validate();
  impl_->post([seeds = std::move(seeds)](membership::Core& core, TimePoint now) mutable {
    core.join(now, std::move(seeds));
  });
}

void Node::advertise(Service service) {
  const auto& params = impl_->config();
  impl_->change_services([&](std::vector<Service>& set) {
    set = membership::with_service(std::move(set), std::move(service), params);
    return true;
  });
}

bool Node::withdraw(std::string_view id) {
  return impl_->change_services([&](std::vector<Service>& set) {
    auto it = find_service(set, id);
    if (it == set.end()) return false;
    set.erase(it);
    return true;
  });
}

bool Node::set_health(std::string_view id, Health health) {
  bool known = false;
  impl_->change_services([&](std::vector<Service>& set) {
    auto it = find_service(set, id);
    known = it != set.end();
    if (!known || it->health == health) return false;
    it->health = health;
    return true;
  });
  return known;
}

std::vector<Service> Node::services() const {
  return impl_->services();
}

Registry Node::registry() const {
  return detail::RegistryAccess::make(impl_->snapshots().registry(), impl_->pick_state());
}

std::vector<MemberInfo> Node::members() const {
  auto m = impl_->snapshots().members();
  return m ? *m : std::vector<MemberInfo>{};
}

Stats Node::stats() const {
  return impl_->stats();
}

std::uint64_t Node::digest() const {
  return impl_->snapshots().digest();
}

Watch Node::watch(std::string service, std::function<void(const ServiceEvent&)> fn) {
  const auto id = impl_->watches().add_service(std::move(service), std::move(fn));
  return Watch([weak = std::weak_ptr<Impl>(impl_), id] {
    if (auto i = weak.lock()) i->watches().remove(id);
  });
}

Watch Node::watch_members(std::function<void(const MemberEvent&)> fn) {
  const auto id = impl_->watches().add_members(std::move(fn));
  return Watch([weak = std::weak_ptr<Impl>(impl_), id] {
    if (auto i = weak.lock()) i->watches().remove(id);
  });
}

void Node::leave() {
  leave(impl_->config().leave_timeout);
}

void Node::leave(std::chrono::milliseconds timeout) {
  impl_->leave(timeout);
}

void Node::block_peers(std::vector<std::string> endpoints) {
  impl_->block_peers(std::move(endpoints));
}

void testing::stop_abruptly(Node& node) {
  node.impl_->stop_abruptly();
}

}  // namespace hearsay
