// Pickers: choosing one instance among candidates.
//
// Each mode is a small pure function of the candidate list, an injected Rng
// and a round-robin turn, so the same inputs always give the same answer and
// no mode keeps hidden state. Rendezvous hashing uses no randomness at all:
// an instance's score depends only on the key and that instance, so a key
// stays on its instance for as long as the instance exists, whatever else
// joins or leaves.
#include "gossip/pickers.hpp"

#include <xxhash.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

namespace hearsay::gossip {

namespace {

using Candidates = std::span<const Instance>;

std::size_t uniform_index(std::size_t n, membership::Rng& rng) {
  return static_cast<std::size_t>(rng.uniform(static_cast<std::uint64_t>(n)));
}

// Weight-proportional; all-zero weights fall back to uniform.
std::size_t pick_weighted(Candidates c, membership::Rng& rng) {
  std::uint64_t total = 0;
  for (const auto& i : c)
    total += i.service.weight;  // at most 2^32 per instance: no overflow in practice
  if (total == 0) return uniform_index(c.size(), rng);
  std::uint64_t r = rng.uniform(total);
  for (std::size_t k = 0; k < c.size(); ++k) {
    if (r < c[k].service.weight) return k;
    r -= c[k].service.weight;
  }
  return c.size() - 1;  // unreachable: r < total
}

// Power of two choices: two distinct random candidates, the lower load wins;
// a tie keeps the first drawn.
std::size_t pick_p2c(Candidates c, membership::Rng& rng) {
  if (c.size() == 1) return 0;
  const std::size_t a = uniform_index(c.size(), rng);
  std::size_t b = uniform_index(c.size() - 1, rng);
  if (b >= a) ++b;  // distinct from a, still uniform over the others
  return published_load(c[b]) < published_load(c[a]) ? b : a;
}

std::uint64_t rendezvous_score(std::string& buf, std::string_view key, const Instance& i) {
  buf.assign(key);
  buf.push_back('\0');
  buf.append(i.service.id);
  buf.push_back('\0');
  buf.append(i.member);
  return XXH3_64bits_withSeed(buf.data(), buf.size(), 0);
}

// Highest score wins. Ties (a 2^-64 event) go to the lower (member, id), not
// to the lower index, so the winner never depends on who else is listed.
std::size_t pick_rendezvous(Candidates c, std::string_view key) {
  std::string buf;
  std::size_t best = 0;
  std::uint64_t best_score = rendezvous_score(buf, key, c[0]);
  for (std::size_t k = 1; k < c.size(); ++k) {
    const std::uint64_t s = rendezvous_score(buf, key, c[k]);
    const bool tie_wins = s == best_score &&
                          (c[k].member < c[best].member ||
                           (c[k].member == c[best].member && c[k].service.id < c[best].service.id));
    if (s > best_score || tie_wins) {
      best = k;
      best_score = s;
    }
  }
  return best;
}

// Lowest rtt; unmeasured instances rank after every measured one. Equals are
// chosen among at random so one instance does not take all the load.
std::size_t pick_nearest(Candidates c, membership::Rng& rng) {
  std::optional<std::chrono::microseconds> best;
  for (const auto& i : c)
    if (i.rtt && (!best || *i.rtt < *best)) best = i.rtt;
  std::vector<std::size_t> ties;
  for (std::size_t k = 0; k < c.size(); ++k)
    if (c[k].rtt == best) ties.push_back(k);  // best empty: every unmeasured one
  return ties[uniform_index(ties.size(), rng)];
}

}  // namespace

double published_load(const Instance& i) {
  constexpr double kNone = std::numeric_limits<double>::infinity();
  const auto it = i.service.meta.find("load");
  if (it == i.service.meta.end()) return kNone;
  const std::string& s = it->second;
  double v = 0;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc{} || ptr != end || std::isnan(v)) return kNone;
  return v;
}

std::optional<std::size_t> pick_index(std::span<const Instance> candidates, Pick how,
                                      std::string_view key, membership::Rng& rng,
                                      std::uint64_t turn) {
  if (candidates.empty()) return std::nullopt;
  switch (how) {
    case Pick::random:
      return uniform_index(candidates.size(), rng);
    case Pick::round_robin:
      return static_cast<std::size_t>(turn % candidates.size());
    case Pick::weighted:
      return pick_weighted(candidates, rng);
    case Pick::p2c:
      return pick_p2c(candidates, rng);
    case Pick::rendezvous:
      return pick_rendezvous(candidates, key);
    case Pick::nearest:
      return pick_nearest(candidates, rng);
  }
  return uniform_index(candidates.size(), rng);  // an out-of-range Pick value
}

}  // namespace hearsay::gossip
