#!/usr/bin/env bash
# Installs the Debian 12 packages hearsay needs, skipping those present.
# Run as root (or with sudo available). Safe to run repeatedly.
#   scripts/install-deps.sh          # what the build, tests and demo need
#   scripts/install-deps.sh --fuzz   # and clang with libFuzzer, for scripts/fuzz.sh
set -euo pipefail

# iptables: the fault test bed (tests/faults) drops packets inside its own
# network namespace with it.
PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libxxhash-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libcpp-httplib-dev
  iptables
)
# clang 14 (Debian 12's) and its runtimes, which hold libFuzzer and the
# sanitizers for -fsanitize=fuzzer (libfuzzer-14-dev is the standalone
# libFuzzer.a, not needed). ~50 MB to download, ~280 MB installed: only with
# --fuzz, so the test and demo scripts do not pull in a second compiler.
FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev)
case "${1:-}" in
  "") ;;
  --fuzz) PACKAGES+=("${FUZZ_PACKAGES[@]}") ;;
  *) echo "install-deps.sh: unknown option '$1' (known: --fuzz)" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
