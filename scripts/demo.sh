#!/usr/bin/env bash
# Set up everything, then launch JupyterLab with the whole real stack
# (jupyter-collaboration, jupyter-server-nbmodel, ipykernel) and a demo
# notebook. Token authentication stays on: open the URL printed below.
#
#   bash scripts/demo.sh               jupyter-server + jupyter-server-nbmodel
#   bash scripts/demo.sh --jupyverse   jupyverse (its own venv) with its
#                                      server-side execution and our queue
set -euo pipefail
server=jupyter
if [ "${1:-}" = "--jupyverse" ]; then
  server=jupyverse
elif [ -n "${1:-}" ]; then
  echo "usage: bash scripts/demo.sh [--jupyverse]" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup.sh
export PATH="$root/.venv/bin:$PATH"

workdir="$root/.demo"
mkdir -p "$workdir"
# Keep the user's edits to the demo notebook across runs.
[ -f "$workdir/handoff-demo.ipynb" ] || cp demo/handoff-demo.ipynb "$workdir/"

port="${HANDOFF_PORT:-8888}"
token="${HANDOFF_TOKEN:-$(python3 -c 'import secrets; print(secrets.token_hex(24))')}"
if [ "$server" = jupyverse ]; then
  # The token in the URL logs the browser in (a cookie); the page then
  # opens the demo notebook from the file browser.
  url="http://localhost:${port}/?token=${token}"
  printf '\n\033[1mjupyverse with server-side execution:\033[0m\n  %s\n  then open handoff-demo.ipynb\n\n' "$url"
  cd "$workdir"
  # --timeout: jupyverse gives each module 1 s to start by default, too
  # little on a busy machine.
  exec "$root/.venv-jupyverse/bin/jupyverse" \
    --host 127.0.0.1 --port "$port" --timeout 120 \
    --set auth.mode=token --set auth.token="$token" \
    --set kernels.require_yjs=true \
    --set jupyterlab.server_side_execution=true \
    --set frontend.collaborative=true
fi
url="http://localhost:${port}/lab/tree/handoff-demo.ipynb?token=${token}"
printf '\n\033[1mJupyterLab with server-side execution:\033[0m\n  %s\n\n' "$url"
exec jupyter lab \
  --config "$root/demo/jupyter_server_config.py" \
  --ServerApp.root_dir="$workdir" \
  --ServerApp.port="$port" \
  --IdentityProvider.token="$token"
