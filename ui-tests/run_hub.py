"""Run the test hub so that stopping it stops everything it started.

Playwright stops a webServer by signalling its whole process group. The hub
must stop first and clean up in its own order (services, single-user
servers): with the proxy killed at the same moment, it retries the proxy's
API for a long time and leaves servers behind. So the hub runs in a session
of its own, a signal to this process is passed on to the hub alone, and the
proxy is stopped last.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

hub = subprocess.Popen(
    [sys.executable, "-m", "jupyterhub", "-f", "jupyterhub_config.py"],
    start_new_session=True,
    stdin=subprocess.DEVNULL,
)


def forward(signum, frame):
    hub.send_signal(signal.SIGTERM)


signal.signal(signal.SIGTERM, forward)
signal.signal(signal.SIGINT, forward)
code = hub.wait()
# The proxy, which jupyterhub_config.py leaves running until the servers are
# gone (it runs in a session of its own).
pid_file = Path(os.environ["HANDOFF_HUB_DIR"]) / "jupyterhub-proxy.pid"
try:
    os.kill(int(pid_file.read_text()), signal.SIGTERM)
except (OSError, ValueError):
    pass
sys.exit(code)
