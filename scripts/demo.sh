#!/usr/bin/env bash
# Builds hearsay and runs the demo: until the ZeroMQ node lands, a simulated
# cluster (hearsay-sim, the real protocol core on a virtual network) that joins,
# spreads a service, loses a node and heals a partition, printing how long each
# step took to converge. Extra arguments go to hearsay-sim (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build --parallel "$(nproc)" --target hearsay-sim
exec build/hearsay-sim --demo "$@"
