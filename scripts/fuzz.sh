#!/usr/bin/env bash
# Builds the codec fuzzer with clang and libFuzzer (tests/fuzz, in build-fuzz/)
# and runs it for a fixed time on a fresh copy of the seed corpus.
#   scripts/fuzz.sh          # 60 seconds
#   scripts/fuzz.sh 600      # ten minutes
# Fails on a crash, a sanitizer report, a leak, a timeout or running out of
# memory, and says how to reproduce; the input is kept in build-fuzz/crashes/.
# docs/fuzzing.md has more.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
case "$seconds" in
  "" | *[!0-9]*) echo "fuzz.sh: the time is a whole number of seconds, not '$seconds'" >&2; exit 2 ;;
esac
dir=build-fuzz

scripts/install-deps.sh --fuzz
CXX=clang++-14 cmake -S tests/fuzz -B "$dir" -G Ninja >/dev/null
cmake --build "$dir" --parallel "$(nproc)"

# The fuzzer adds what it finds to the first directory: a copy, so the
# repository's corpus stays the small reviewed seed set.
rm -rf "$dir/corpus"
mkdir -p "$dir/corpus" "$dir/crashes"
cp tests/fuzz/corpus/* "$dir/corpus/"

echo "fuzz.sh: fuzzing the codec for ${seconds}s (log: $dir/fuzz.log)"
status=0
"$dir/codec_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$dir/crashes/" "$dir/corpus" >"$dir/fuzz.log" 2>&1 \
  || status=$?

if [ "$status" -eq 0 ]; then
  # Coverage of the seeds, then at the end (executions, coverage, corpus), and the final stats.
  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::' "$dir/fuzz.log"
  exit 0
fi

# The report, without the fuzzer's progress lines.
grep -vE '^#[0-9]+[[:space:]]|^[[:space:]]+NEW_FUNC' "$dir/fuzz.log" | tail -n 80
input=$(sed -n 's/.*Test unit written to //p' "$dir/fuzz.log" | tail -n 1)
echo "fuzz.sh: the fuzzer failed (exit $status)" >&2
if [ -n "$input" ] && [ -f "$input" ]; then
  cat >&2 <<MSG
The failing input is $input; reproduce with
  $dir/codec_fuzz $input
or with GCC under the sanitizers (scripts/test.sh --sanitize builds it):
  build-asan/tests/hearsay_fuzz_replay $input
Its bytes, base64 (to recreate it: echo ... | base64 -d > input):
  $(base64 -w 0 "$input")
MSG
fi
exit "$status"
