#!/usr/bin/env bash
# Set up everything, then launch JupyterLab with the whole real stack
# (jupyter-collaboration, jupyter-server-nbmodel, ipykernel) and a demo
# notebook. Token authentication stays on: open the URL printed below.
set -euo pipefail
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
url="http://localhost:${port}/lab/tree/handoff-demo.ipynb?token=${token}"
printf '\n\033[1mJupyterLab with server-side execution:\033[0m\n  %s\n\n' "$url"
exec jupyter lab \
  --config "$root/demo/jupyter_server_config.py" \
  --ServerApp.root_dir="$workdir" \
  --ServerApp.port="$port" \
  --IdentityProvider.token="$token"
