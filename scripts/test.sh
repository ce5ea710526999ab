#!/usr/bin/env bash
# Set up everything, then run every test: lint, jest, pytest, each server
# family's browser suite (one Playwright config each, one after another, so
# the two cores never host two families at once), and the benchmark's smoke
# test. Every suite runs even when an earlier one failed; the summary prints
# each suite's time and the script fails if any suite did.
#
#   bash scripts/test.sh                  everything
#   HANDOFF_SUITES="stack hub" bash scripts/test.sh   only these browser suites
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup.sh --browser
export PATH="$root/.venv/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
reports="$root/.ci/.stamps/reports"
rm -rf "$reports"
mkdir -p "$reports"
status=0

say "Lint (stylelint, prettier, eslint)"
npm run --silent lint:check

say "Unit tests (jest)"
npx jest --ci --json --outputFile="$reports/jest.json" || status=1

say "Server part (pytest)"
python -m pytest -q -p no:cacheprovider tests --junitxml="$reports/pytest.xml" || status=1

# Browser suites: name, then the Playwright config in ui-tests/.
suites=(
  "stack playwright.config.js"
  "hub playwright.hub.config.js"
)
summary=(jest="$reports/jest.json" pytest="$reports/pytest.xml")
for entry in "${suites[@]}"; do
  read -r name config <<< "$entry"
  if [ -n "${HANDOFF_SUITES:-}" ] && [[ " $HANDOFF_SUITES " != *" $name "* ]]; then
    continue
  fi
  say "Browser suite '$name' (ui-tests/$config, Debian Chromium)"
  (cd ui-tests && PLAYWRIGHT_JSON_OUTPUT_NAME="$reports/$name.json" \
    npx playwright test --config "$config") || status=1
  summary+=("galata:$name=$reports/$name.json")
done

say "Benchmark harness smoke test (bench/smoke.mjs)"
# Inside the caller's port range when one is given (helpers share the machine).
if [ -n "${HANDOFF_PORT_BASE:-}" ] && [ -z "${BENCH_PORT:-}" ]; then
  export BENCH_PORT=$((HANDOFF_PORT_BASE + 90))
fi
node bench/smoke.mjs --report "$reports/bench-smoke.json" || status=1
summary+=(bench="$reports/bench-smoke.json")

node scripts/summary.mjs "${summary[@]}"
exit "$status"
