#!/usr/bin/env bash
# The benchmark: set up the same real stack as the tests, then drive Debian's
# Chromium against it (bench/bench.mjs). Arguments go to bench.mjs, e.g.
#
#   bash bench/run.sh                 # full run: bench/results.json, bench/RESULTS.md
#   bash bench/run.sh --rounds 5      # more rounds
#   bash bench/run.sh --smoke         # one short iteration (a few minutes)
#   bash bench/run.sh --profile DIR   # also write CPU profiles of every scenario
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh --browser
exec node bench/bench.mjs "$@"
