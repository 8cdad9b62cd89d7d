#include "membership/member_table.hpp"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace hearsay::membership {
namespace {

using S = MemberState;

Member member(const std::string& name, MemberState state = S::alive, Incarnation inc = {10, 1}) {
  Member m;
  m.name = name;
  m.endpoint = "sim://" + name;
  m.incarnation = inc;
  m.state = state;
  m.services_version = inc;
  return m;
}

// --- precedence -----------------------------------------------------------

// The claim's incarnation relative to what we hold.
enum class Rel { lower, equal, higher };

struct PrecedenceCase {
  S claim;
  Rel rel;
  S current;
  bool overrides;
};

// DESIGN §2 written out row by row (not derived from the implementation):
//   alive(i)          overrides alive/suspect(j < i)
//   suspect(i)        overrides alive(j <= i), suspect(j < i)
//   dead(i), left(i)  override alive(j <= i), suspect(j <= i)
//   a higher incarnation always wins; at equal ones alive < suspect < dead < left.
const std::vector<PrecedenceCase> kPrecedence = {
    // current alive
    {S::alive, Rel::lower, S::alive, false},
    {S::alive, Rel::equal, S::alive, false},
    {S::alive, Rel::higher, S::alive, true},
    {S::suspect, Rel::lower, S::alive, false},
    {S::suspect, Rel::equal, S::alive, true},
    {S::suspect, Rel::higher, S::alive, true},
    {S::dead, Rel::lower, S::alive, false},
    {S::dead, Rel::equal, S::alive, true},
    {S::dead, Rel::higher, S::alive, true},
    {S::left, Rel::lower, S::alive, false},
    {S::left, Rel::equal, S::alive, true},
    {S::left, Rel::higher, S::alive, true},
    // current suspect
    {S::alive, Rel::lower, S::suspect, false},
    {S::alive, Rel::equal, S::suspect, false},
    {S::alive, Rel::higher, S::suspect, true},
    {S::suspect, Rel::lower, S::suspect, false},
    {S::suspect, Rel::equal, S::suspect, false},
    {S::suspect, Rel::higher, S::suspect, true},
    {S::dead, Rel::lower, S::suspect, false},
    {S::dead, Rel::equal, S::suspect, true},
    {S::dead, Rel::higher, S::suspect, true},
    {S::left, Rel::lower, S::suspect, false},
    {S::left, Rel::equal, S::suspect, true},
    {S::left, Rel::higher, S::suspect, true},
    // current dead (a tombstone: only a higher incarnation, or a left, moves it)
    {S::alive, Rel::lower, S::dead, false},
    {S::alive, Rel::equal, S::dead, false},
    {S::alive, Rel::higher, S::dead, true},
    {S::suspect, Rel::lower, S::dead, false},
    {S::suspect, Rel::equal, S::dead, false},
    {S::suspect, Rel::higher, S::dead, true},
    {S::dead, Rel::lower, S::dead, false},
    {S::dead, Rel::equal, S::dead, false},
    {S::dead, Rel::higher, S::dead, true},
    {S::left, Rel::lower, S::dead, false},
    {S::left, Rel::equal, S::dead, true},
    {S::left, Rel::higher, S::dead, true},
    // current left
    {S::alive, Rel::lower, S::left, false},
    {S::alive, Rel::equal, S::left, false},
    {S::alive, Rel::higher, S::left, true},
    {S::suspect, Rel::lower, S::left, false},
    {S::suspect, Rel::equal, S::left, false},
    {S::suspect, Rel::higher, S::left, true},
    {S::dead, Rel::lower, S::left, false},
    {S::dead, Rel::equal, S::left, false},
    {S::dead, Rel::higher, S::left, true},
    {S::left, Rel::lower, S::left, false},
    {S::left, Rel::equal, S::left, false},
    {S::left, Rel::higher, S::left, true},
};

// Incarnations in relation `rel` to `base`, in every way the pair can differ:
// by counter only, by generation only, and by generation against the counter
// (a later generation with a smaller counter is still higher).
std::vector<Incarnation> related(Rel rel, Incarnation base) {
  switch (rel) {
    case Rel::lower:
      return {{base.generation, base.counter - 1},
              {base.generation - 1, base.counter},
              {base.generation - 1, base.counter + 100}};
    case Rel::equal:
      return {base};
    case Rel::higher:
      return {{base.generation, base.counter + 1},
              {base.generation + 1, base.counter},
              {base.generation + 1, 0}};
  }
  return {};
}

const char* rel_name(Rel r) {
  return r == Rel::lower ? "lower" : r == Rel::equal ? "equal" : "higher";
}

TEST(MemberTablePrecedence, TableCoversEveryCombination) {
  // Each (claim, relation, current) once: a duplicated row would leave some
  // other combination untested while the row count still came out right.
  std::map<std::tuple<S, Rel, S>, int> rows;
  for (const auto& c : kPrecedence)
    ++rows[{c.claim, c.rel, c.current}];
  for (const auto claim : {S::alive, S::suspect, S::dead, S::left}) {
    for (const auto rel : {Rel::lower, Rel::equal, Rel::higher}) {
      for (const auto current : {S::alive, S::suspect, S::dead, S::left}) {
        const auto it = rows.find({claim, rel, current});
        EXPECT_EQ(it == rows.end() ? 0 : it->second, 1)
            << "rows for " << to_string(claim) << "(" << rel_name(rel) << ") over "
            << to_string(current);
      }
    }
  }
  EXPECT_EQ(kPrecedence.size(), 4u * 3u * 4u);
}

TEST(MemberTablePrecedence, Overrides) {
  const Incarnation base{10, 5};
  for (const auto& c : kPrecedence) {
    const Member current = member("m", c.current, base);
    for (const auto& inc : related(c.rel, base)) {
      EXPECT_EQ(overrides(c.claim, inc, current), c.overrides)
          << to_string(c.claim) << "(" << rel_name(c.rel) << " {" << inc.generation << ","
          << inc.counter << "}) over " << to_string(c.current) << "({10,5})";
    }
  }
}

TEST(MemberTablePrecedence, StateRankOrder) {
  EXPECT_LT(state_rank(S::alive), state_rank(S::suspect));
  EXPECT_LT(state_rank(S::suspect), state_rank(S::dead));
  EXPECT_LT(state_rank(S::dead), state_rank(S::left));
}

TEST(MemberTablePrecedence, NothingOverridesItself) {
  for (auto s : {S::alive, S::suspect, S::dead, S::left}) {
    const Member m = member("m", s, {4, 4});
    EXPECT_FALSE(overrides(s, {4, 4}, m)) << to_string(s);
  }
}

// --- counts ---------------------------------------------------------------

void expect_counts(const MemberTable& t, std::size_t alive, std::size_t suspect, std::size_t dead,
                   std::size_t left) {
  EXPECT_EQ(t.count(S::alive), alive);
  EXPECT_EQ(t.count(S::suspect), suspect);
  EXPECT_EQ(t.count(S::dead), dead);
  EXPECT_EQ(t.count(S::left), left);
  EXPECT_EQ(t.live_count(), alive + suspect);
  EXPECT_EQ(t.size(), alive + suspect + dead + left);
}

TEST(MemberTable, CountsFollowPutUpdateErase) {
  MemberTable t;
  expect_counts(t, 0, 0, 0, 0);
  t.put(member("a", S::alive));
  t.put(member("b", S::suspect));
  t.put(member("c", S::dead));
  t.put(member("d", S::left));
  t.put(member("e", S::alive));
  {
    SCOPED_TRACE("after put");
    expect_counts(t, 2, 1, 1, 1);
  }

  t.update("a", [](Member& m) { m.state = S::suspect; });
  {
    SCOPED_TRACE("after update alive -> suspect");
    expect_counts(t, 1, 2, 1, 1);
  }
  t.update("b", [](Member& m) { m.state = S::dead; });
  {
    SCOPED_TRACE("after update suspect -> dead");
    expect_counts(t, 1, 1, 2, 1);
  }
  t.put(member("c", S::alive, {11, 0}));  // replaced wholesale: dead -> alive
  {
    SCOPED_TRACE("after put over an existing member");
    expect_counts(t, 2, 1, 1, 1);
  }
  t.erase("d");
  {
    SCOPED_TRACE("after erase");
    expect_counts(t, 2, 1, 1, 0);
  }
  t.erase("nobody");
  {
    SCOPED_TRACE("erase of an unknown name is a no-op");
    expect_counts(t, 2, 1, 1, 0);
  }
}

TEST(MemberTable, FindAndUpdateKeepFields) {
  MemberTable t;
  const auto& put = t.put(member("a"));
  EXPECT_EQ(put.name, "a");
  ASSERT_NE(t.find("a"), nullptr);
  EXPECT_EQ(t.find("a")->endpoint, "sim://a");
  EXPECT_EQ(t.find("b"), nullptr);
  const auto& updated = t.update("a", [](Member& m) { m.endpoint = "sim://a2"; });
  EXPECT_EQ(updated.endpoint, "sim://a2");
  EXPECT_EQ(t.find("a")->endpoint, "sim://a2");
  EXPECT_EQ(t.find("a")->incarnation, (Incarnation{10, 1}));
}

TEST(MemberTable, FindByEndpoint) {
  MemberTable t;
  t.put(member("a"));
  t.put(member("b", S::dead));
  const auto* a = t.find_by_endpoint("sim://a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->name, "a");
  const auto* b = t.find_by_endpoint("sim://b");
  ASSERT_NE(b, nullptr) << "tombstones are found too";
  EXPECT_EQ(b->name, "b");
  EXPECT_EQ(t.find_by_endpoint("sim://c"), nullptr);
  EXPECT_EQ(t.find_by_endpoint(""), nullptr);
  t.update("a", [](Member& m) { m.endpoint = "sim://a-moved"; });
  EXPECT_EQ(t.find_by_endpoint("sim://a"), nullptr);
  ASSERT_NE(t.find_by_endpoint("sim://a-moved"), nullptr);
  t.erase("b");
  EXPECT_EQ(t.find_by_endpoint("sim://b"), nullptr);
}

// --- digest ---------------------------------------------------------------

TEST(MemberTableDigest, EmptyTableIsZero) {
  EXPECT_EQ(MemberTable{}.digest(), 0u);
}

TEST(MemberTableDigest, IndependentOfInsertionOrder) {
  const std::vector<Member> ms = {member("a"), member("b", S::suspect, {3, 9}), member("c"),
                                  member("dd", S::alive, {7, 0})};
  MemberTable forward, backward, shuffled;
  for (const auto& m : ms)
    forward.put(m);
  for (auto it = ms.rbegin(); it != ms.rend(); ++it)
    backward.put(*it);
  for (std::size_t i : {2u, 0u, 3u, 1u})
    shuffled.put(ms[i]);
  EXPECT_NE(forward.digest(), 0u);
  EXPECT_EQ(forward.digest(), backward.digest());
  EXPECT_EQ(forward.digest(), shuffled.digest());
}

TEST(MemberTableDigest, DependsOnWhoIsThere) {
  MemberTable ab, ac;
  ab.put(member("a"));
  ab.put(member("b"));
  ac.put(member("a"));
  ac.put(member("c"));
  EXPECT_NE(ab.digest(), ac.digest());
}

TEST(MemberTableDigest, BucketDigestsSumToTheDigestAndFollowEveryChange) {
  MemberTable t;
  auto sum = [&] {
    std::uint64_t total = 0;
    for (const auto b : t.bucket_digests())
      total += b;
    return total;
  };
  for (int i = 0; i < 200; ++i)
    t.put(member("m" + std::to_string(i)));
  EXPECT_EQ(sum(), t.digest());
  std::size_t used = 0;
  for (const auto b : t.bucket_digests())
    used += b != 0;
  EXPECT_GT(used, kDigestBuckets * 3 / 4) << "names spread over the buckets";
  // A change touches exactly the member's own bucket.
  const auto before = t.bucket_digests();
  t.update("m7", [](Member& m) { m.incarnation.counter += 1; });
  for (std::size_t b = 0; b < kDigestBuckets; ++b)
    EXPECT_EQ(before[b] != t.bucket_digests()[b], b == digest_bucket("m7")) << b;
  t.put(member("m8", S::dead));  // tombstones are not digested
  t.erase("m9");
  EXPECT_EQ(sum(), t.digest());
  // Each bucket holds the live members of that bucket, nothing else.
  std::array<std::uint64_t, kDigestBuckets> expected{};
  for (const auto& [name, m] : t.all())
    if (m.live()) expected[digest_bucket(name)] += digest_part(m);
  EXPECT_EQ(t.bucket_digests(), expected);
  EXPECT_LT(digest_bucket("any name"), kDigestBuckets);
  EXPECT_EQ(digest_bucket("any name"), digest_bucket(std::string("any ") + "name"));
}

struct DigestEdit {
  const char* what;
  void (*edit)(Member&);
};

TEST(MemberTableDigest, ChangesWithEveryDigestedFieldOfALiveMember) {
  const std::vector<DigestEdit> edits = {
      {"incarnation counter", [](Member& m) { m.incarnation.counter += 1; }},
      {"incarnation generation", [](Member& m) { m.incarnation.generation += 1; }},
      {"endpoint", [](Member& m) { m.endpoint = "sim://elsewhere"; }},
      {"services_version counter", [](Member& m) { m.services_version.counter += 1; }},
      {"services_version generation", [](Member& m) { m.services_version.generation += 1; }},
  };
  for (auto state : {S::alive, S::suspect}) {
    for (const auto& e : edits) {
      SCOPED_TRACE(std::string(e.what) + " of a " + std::string(to_string(state)) + " member");
      MemberTable t;
      t.put(member("a"));
      t.put(member("b", state));
      const auto before = t.digest();
      Member saved = *t.find("b");
      t.update("b", [&](Member& m) { e.edit(m); });
      EXPECT_NE(t.digest(), before) << "via update";
      t.put(saved);
      EXPECT_EQ(t.digest(), before) << "restored via put";
      Member edited = saved;
      e.edit(edited);
      t.put(edited);
      EXPECT_NE(t.digest(), before) << "via put";
    }
  }
}

TEST(MemberTableDigest, IgnoresTombstones) {
  MemberTable base;
  base.put(member("a"));
  base.put(member("b"));
  for (auto state : {S::dead, S::left}) {
    SCOPED_TRACE(to_string(state));
    MemberTable with = base;
    with.put(member("ghost", state, {99, 99}));
    EXPECT_EQ(with.digest(), base.digest()) << "an extra tombstone";
    // Nor does a tombstone's own change move it.
    with.update("ghost", [](Member& m) {
      m.incarnation.counter += 5;
      m.endpoint = "sim://ghost2";
    });
    EXPECT_EQ(with.digest(), base.digest()) << "a changed tombstone";
    // A live member turning into a tombstone leaves the digest.
    MemberTable dying = base;
    dying.put(member("c"));
    EXPECT_NE(dying.digest(), base.digest());
    dying.update("c", [&](Member& m) { m.state = state; });
    EXPECT_EQ(dying.digest(), base.digest());
  }
  // A suspect member, by contrast, is live and counts.
  MemberTable with_suspect = base;
  with_suspect.put(member("s", S::suspect));
  EXPECT_NE(with_suspect.digest(), base.digest());
}

TEST(MemberTableDigest, ReturnsToTheOldValueAfterErase) {
  MemberTable t;
  t.put(member("a"));
  t.put(member("b"));
  const auto before = t.digest();
  t.put(member("c"));
  EXPECT_NE(t.digest(), before);
  t.erase("c");
  EXPECT_EQ(t.digest(), before);
  // Erasing everything comes back to the empty digest.
  t.erase("a");
  t.erase("b");
  EXPECT_EQ(t.digest(), 0u);
}

TEST(MemberTableDigest, DigestPartIsZeroForTombstones) {
  EXPECT_NE(digest_part(member("a", S::alive)), 0u);
  EXPECT_NE(digest_part(member("a", S::suspect)), 0u);
  EXPECT_EQ(digest_part(member("a", S::dead)), 0u);
  EXPECT_EQ(digest_part(member("a", S::left)), 0u);
  // The stored part is kept in step with the member.
  MemberTable t;
  const auto& m = t.put(member("a"));
  EXPECT_EQ(m.digest_part, digest_part(m));
  EXPECT_EQ(t.digest(), m.digest_part);
}

TEST(MemberTableDigest, NameAndEndpointAreSeparated) {
  // name "ab" + endpoint "c" must not hash like name "a" + endpoint "bc".
  Member x = member("ab");
  x.endpoint = "c";
  Member y = member("a");
  y.endpoint = "bc";
  EXPECT_NE(digest_part(x), digest_part(y));
}

}  // namespace
}  // namespace hearsay::membership
