#!/usr/bin/env bash
# Builds hearsay and runs the whole test suite.
#   scripts/test.sh               # build/ , RelWithDebInfo
#   scripts/test.sh --werror      # warnings are errors (CI)
#   scripts/test.sh --sanitize    # AddressSanitizer + UBSan, in build-asan/
#   scripts/test.sh --tsan        # ThreadSanitizer, in build-tsan/: the integration tests only
# Extra arguments after -- go to ctest (e.g. -- -R Codec).
set -euo pipefail
cd "$(dirname "$0")/.."

werror=OFF sanitize=OFF tsan=OFF dir=build
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --werror) werror=ON ;;
    --sanitize) sanitize=ON; dir=build-asan ;;
    --tsan) tsan=ON; dir=build-tsan ;;
    --) shift; ctest_args=("$@"); break ;;
    *) echo "test.sh: unknown option '$1' (known: --werror --sanitize --tsan --)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$sanitize" = ON ] && [ "$tsan" = ON ]; then
  echo "test.sh: --sanitize and --tsan cannot be combined" >&2
  exit 2
fi

scripts/install-deps.sh
# Benchmarks only in the plain build: timing code under a sanitizer measures nothing.
bench=ON
[ "$dir" = build ] || bench=OFF
cmake -S . -B "$dir" -G Ninja -DHEARSAY_WERROR="$werror" -DHEARSAY_SANITIZE="$sanitize" \
  -DHEARSAY_SANITIZE_THREAD="$tsan" -DHEARSAY_BUILD_BENCH="$bench" >/dev/null
if [ "$tsan" = ON ]; then
  # Threads meet in the node runtime: the integration tests exercise it (the
  # unit and simulator tests are single-threaded). libzmq is not instrumented;
  # tests/tsan.supp silences reports that lie wholly inside it.
  cmake --build "$dir" --parallel "$(nproc)" --target hearsay_integration_tests hearsay-test-node
  export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$PWD/tests/tsan.supp:halt_on_error=1:second_deadlock_stack=1}
  ctest --test-dir "$dir" --output-on-failure --parallel "$(nproc)" -L integration "${ctest_args[@]}"
  exit
fi
cmake --build "$dir" --parallel "$(nproc)"
# The fault bed (real agents under iptables faults, ~70 s) runs in the plain
# build only, to keep CI short (`ctest --test-dir build-asan -L faults` runs it).
labels=()
[ "$sanitize" = ON ] && labels=(-LE faults)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$dir" --output-on-failure --parallel "$(nproc)" "${labels[@]}" "${ctest_args[@]}"
