#!/usr/bin/env bash
# A fresh jupyverse for the browser tests (playwright.jupyverse.config.js):
# token auth on, real-time collaboration, server-side execution, our
# extension and queue module from .venv-jupyverse.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/.jupyverse-root"
rm -rf "$root"
mkdir -p "$root"
cd "$root"
# --timeout: jupyverse gives each module 1 s to start by default, too little
# on a busy machine.
exec "$here/../.venv-jupyverse/bin/jupyverse" \
  --host 127.0.0.1 --port "$HANDOFF_JUPYVERSE_PORT" --timeout 120 \
  --set auth.mode=token --set auth.token="$HANDOFF_JUPYVERSE_TOKEN" \
  --set kernels.require_yjs=true \
  --set jupyterlab.server_side_execution=true \
  --set frontend.collaborative=true \
  --set yrooms.document_cleanup_delay="${HANDOFF_CLEANUP_DELAY:-60}"
