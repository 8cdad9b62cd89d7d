#!/usr/bin/env bash
# Builds hearsay and runs the demo (docs/demo.md): `hearsay cluster` starts 16
# agents, four example web services and the demo gateway on loopback, shows a
# live view, then kills, pauses, partitions and restarts nodes, printing how
# long each step took until every node agreed. Extra arguments go to
# `hearsay cluster` (try --help, or --nodes 8 --profile local for a quick run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
# hearsay-cli pulls in hearsay-gateway and hearsay-echo, which the launcher starts.
cmake --build build --parallel "$(nproc)" --target hearsay-cli
exec build/hearsay cluster "$@"
