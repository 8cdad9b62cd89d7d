#!/usr/bin/env bash
# Builds hearsay and runs the whole test suite.
#   scripts/test.sh               # build/ , RelWithDebInfo
#   scripts/test.sh --werror      # warnings are errors (CI)
#   scripts/test.sh --sanitize    # AddressSanitizer + UBSan, in build-asan/
# Extra arguments after -- go to ctest (e.g. -- -R Codec).
set -euo pipefail
cd "$(dirname "$0")/.."

werror=OFF sanitize=OFF dir=build
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --werror) werror=ON ;;
    --sanitize) sanitize=ON; dir=build-asan ;;
    --) shift; ctest_args=("$@"); break ;;
    *) echo "test.sh: unknown option '$1' (known: --werror --sanitize --)" >&2; exit 2 ;;
  esac
  shift
done

scripts/install-deps.sh
cmake -S . -B "$dir" -G Ninja -DHEARSAY_WERROR="$werror" -DHEARSAY_SANITIZE="$sanitize" >/dev/null
cmake --build "$dir" --parallel "$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$dir" --output-on-failure --parallel "$(nproc)" "${ctest_args[@]}"
