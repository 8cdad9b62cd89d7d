// The seed corpus (tests/fuzz/corpus): valid messages of every type, made by
// the real encoder, and near-misses that each fail one check. Each seed names
// the drop reason decode must give it with the fuzz target's cluster id and
// limits, so a codec change that moves a seed to another branch is noticed.
#pragma once

#include <string>
#include <vector>

#include "membership/wire/codec.hpp"

namespace hearsay::fuzz {

struct Seed {
  std::string name;  // file name in the corpus directory
  membership::wire::Bytes bytes;
  membership::wire::DropReason expected;  // none: decodes
};

std::vector<Seed> corpus_seeds();

}  // namespace hearsay::fuzz
