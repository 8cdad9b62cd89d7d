// hearsay_fuzz_replay: the codec fuzz target without libFuzzer, so any
// compiler (and every build, sanitized or not) runs the corpus as a test.
//
//   hearsay_fuzz_replay PATH...             feed each file (a directory: each
//                                           file in it) to the fuzz target
//   hearsay_fuzz_replay --check-seeds DIR   each seed file in DIR decodes as
//                                           corpus_seeds() expects
//   hearsay_fuzz_replay --write-corpus DIR  (re)write the seed files into DIR
//
// Replaying finds no files -> failure: an empty corpus would pass vacuously.
// A failing input aborts inside the target; the last path printed is it.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/codec_fuzz.hpp"
#include "tests/fuzz/corpus_seeds.hpp"

namespace {

namespace fs = std::filesystem;
using hearsay::membership::wire::Bytes;
using hearsay::membership::wire::decode;
using hearsay::membership::wire::to_string;

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<fs::path> files_in(const std::vector<fs::path>& paths) {
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    if (!fs::is_directory(p)) {
      files.push_back(p);
      continue;
    }
    for (const auto& entry : fs::directory_iterator(p))
      if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

int replay(const std::vector<fs::path>& paths) {
  const auto files = files_in(paths);
  if (files.empty()) {
    std::fprintf(stderr, "hearsay_fuzz_replay: no input files found\n");
    return 1;
  }
  for (const auto& f : files) {
    if (!fs::is_regular_file(f)) {
      std::fprintf(stderr, "hearsay_fuzz_replay: %s: not a file\n", f.c_str());
      return 1;
    }
    std::fprintf(stderr, "%s\n", f.c_str());
    const auto bytes = read_file(f);
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  std::printf("replayed %zu inputs\n", files.size());
  return 0;
}

// What decode says of `bytes`, as the fuzz target calls it.
auto decoded(const Bytes& bytes) {
  return decode(bytes, hearsay::fuzz::kCluster, hearsay::fuzz::decode_limits());
}

// Empty when decode gives a seed the reason it expects.
std::string mismatch(const Bytes& bytes, const hearsay::fuzz::Seed& seed) {
  const auto got = decoded(bytes).reason;
  if (got == seed.expected) return {};
  return "decodes as " + std::string(to_string(got)) + ", expected " +
         std::string(to_string(seed.expected));
}

// Empty when the file at `path` is still the seed: the same reason, and for a
// valid seed the same message.
std::string stale(const fs::path& path, const hearsay::fuzz::Seed& seed) {
  if (!fs::is_regular_file(path)) return "missing";
  const auto bytes = read_file(path);
  if (auto m = mismatch(bytes, seed); !m.empty()) return m;
  if (!(decoded(bytes).message == decoded(seed.bytes).message)) {
    return "decodes to another message than the generator makes";
  }
  return {};
}

int check_seeds(const fs::path& dir) {
  int failures = 0;
  const auto seeds = hearsay::fuzz::corpus_seeds();
  for (const auto& seed : seeds) {
    const auto problem = stale(dir / seed.name, seed);
    if (problem.empty()) continue;
    ++failures;
    std::fprintf(stderr, "%s: %s\n", (dir / seed.name).c_str(), problem.c_str());
  }
  if (failures > 0) {
    std::fprintf(stderr,
                 "%d of %zu seeds are not as generated; if the codec changed on purpose, "
                 "rewrite them with: hearsay_fuzz_replay --write-corpus %s\n",
                 failures, seeds.size(), dir.c_str());
    return 1;
  }
  std::printf("%zu seeds decode as expected\n", seeds.size());
  return 0;
}

// A seed that does not decode as its entry says is a bug in the generator:
// nothing is written then.
int write_corpus(const fs::path& dir) {
  const auto seeds = hearsay::fuzz::corpus_seeds();
  for (const auto& seed : seeds) {
    const auto problem = mismatch(seed.bytes, seed);
    if (problem.empty()) continue;
    std::fprintf(stderr, "seed %s %s: nothing written\n", seed.name.c_str(), problem.c_str());
    return 1;
  }
  fs::create_directories(dir);
  for (const auto& seed : seeds) {
    std::ofstream out(dir / seed.name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(seed.bytes.data()),
              static_cast<std::streamsize>(seed.bytes.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", (dir / seed.name).c_str());
      return 1;
    }
  }
  std::printf("wrote %zu seeds to %s\n", seeds.size(), dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const bool mode = !args.empty() && (args[0] == "--check-seeds" || args[0] == "--write-corpus");
  if (args.empty() || (mode && args.size() != 2)) {
    std::fprintf(stderr,
                 "usage: hearsay_fuzz_replay PATH...\n"
                 "       hearsay_fuzz_replay --check-seeds DIR\n"
                 "       hearsay_fuzz_replay --write-corpus DIR\n");
    return 2;
  }
  if (args[0] == "--check-seeds") return check_seeds(args[1]);
  if (args[0] == "--write-corpus") return write_corpus(args[1]);
  return replay(std::vector<fs::path>(args.begin(), args.end()));
}
