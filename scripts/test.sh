#!/usr/bin/env bash
# Set up everything, then run every test: lint, jest, the Galata suite on
# the real server stack in Debian's Chromium, and the benchmark's smoke test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup.sh --browser
export PATH="$root/.venv/bin:$PATH"

printf '\033[1m==> %s\033[0m\n' "Lint (stylelint, prettier, eslint)"
npm run --silent lint:check

printf '\033[1m==> %s\033[0m\n' "Unit tests (jest)"
reports="$root/.ci/.stamps"
npx jest --ci --json --outputFile="$reports/jest.json"

printf '\033[1m==> %s\033[0m\n' "End-to-end tests (Galata, Debian Chromium)"
(cd ui-tests && PLAYWRIGHT_JSON_OUTPUT_NAME="$reports/galata.json" npx playwright test "$@")

printf '\033[1m==> %s\033[0m\n' "Benchmark harness smoke test (bench/smoke.mjs)"
rm -f "$reports/bench-smoke.json"
bench_status=0
node bench/smoke.mjs --report "$reports/bench-smoke.json" || bench_status=1

node scripts/summary.mjs "$reports/jest.json" "$reports/galata.json" "$reports/bench-smoke.json"
exit "$bench_status"
