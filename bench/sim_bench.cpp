// Simulated cluster rounds: how many virtual seconds of a converged cluster
// the simulator runs per wall second (every node's probes, acks, gossip and
// syncs, through the real codec). Each cluster is built and converged once,
// in a static, so repeated iterations (and the one-iteration smoke run) pay
// for the join only once per size.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>

#include "tests/sim/cluster.hpp"

namespace {

using namespace hearsay;
using namespace std::chrono_literals;

sim::Cluster& converged_cluster(std::size_t nodes) {
  static std::map<std::size_t, std::unique_ptr<sim::Cluster>> clusters;
  auto& c = clusters[nodes];
  if (!c) {
    sim::ClusterOptions o;
    o.nodes = nodes;
    o.params = ProtocolParams::lan();
    o.seed = 1;
    o.check_every = 50ms;
    c = std::make_unique<sim::Cluster>(o);
    c->start_all({0});
    c->run_until([&] { return c->converged(nodes); }, 60s);
  }
  return *c;
}

void BM_SimRounds(benchmark::State& state) {
  const auto nodes = static_cast<std::size_t>(state.range(0));
  auto& cluster = converged_cluster(nodes);
  if (!cluster.converged(nodes)) state.SkipWithError("the cluster did not converge within 60 s");
  const auto messages = cluster.messages_sent();
  for (auto _ : state)
    cluster.run_for(1s);
  // One iteration is one virtual second.
  state.counters["virtual_s_per_wall_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["messages_per_node_per_s"] =
      static_cast<double>(cluster.messages_sent() - messages) /
      static_cast<double>(state.iterations()) / static_cast<double>(nodes);
}
BENCHMARK(BM_SimRounds)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
