#!/usr/bin/env bash
# Set up everything the demo and the tests need; safe to run again (each step
# is skipped when its inputs did not change).
#
#   scripts/setup.sh             Python venv, npm packages, build, install
#   scripts/setup.sh --browser   the same, plus Debian's Chromium and the
#                                Galata test packages
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
stamps="$root/.ci/.stamps"
mkdir -p "$stamps"

with_browser=0
[ "${1:-}" = "--browser" ] && with_browser=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# A step runs again only when the hash of its inputs changed.
changed() {
  local name="$1"; shift
  local sum
  sum="$(cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamps/$name" ] && [ "$(cat "$stamps/$name")" = "$sum" ]; then
    return 1
  fi
  echo "$sum" > "$stamps/$name.pending"
  return 0
}
done_step() { mv "$stamps/$1.pending" "$stamps/$1"; }

# Node >= 20.19 is what @jupyter/builder (Rspack 2) needs.
node_version="$(node --version 2>/dev/null || echo v0)"
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "Node.js >= 20.19 is required (found $node_version)." >&2
  exit 1
fi

if [ "$with_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  say "Installing Chromium from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  say "Creating the Python venv (.venv)"
  python3 -m venv .venv
fi
if changed python scripts/requirements.txt scripts/constraints.txt; then
  say "Installing the Jupyter stack into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r scripts/requirements.txt -c scripts/constraints.txt
  done_step python
fi

# `npm install` on the committed lock, not `npm ci`: the registry we can reach
# lacks rspack's optional bindings for other platforms, which `npm ci`
# insists on finding in the lock.
if changed npm package.json package-lock.json || [ ! -d node_modules ]; then
  say "Installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
  done_step npm
fi
if [ "$with_browser" = 1 ]; then
  if changed npm-ui ui-tests/package.json ui-tests/package-lock.json || [ ! -d ui-tests/node_modules ]; then
    say "Installing the Galata test packages"
    (cd ui-tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error)
    done_step npm-ui
  fi
fi

export PATH="$root/.venv/bin:$PATH"
# The Python server part is installed with it (not editable): its sources
# count too.
if changed build package.json tsconfig.json pyproject.toml \
  $(find src style schema jupyter-config -type f | sort) \
  $(find jupyterlab_handoff -name '*.py' ! -name _version.py | sort) || [ ! -f jupyterlab_handoff/labextension/package.json ]; then
  say "Building the extension"
  npm run --silent build:prod
  say "Installing the extension into .venv"
  .venv/bin/python -m pip install -q --no-build-isolation --no-deps --force-reinstall .
  done_step build
fi
