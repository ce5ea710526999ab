"""A real JupyterHub for the hub browser suite (playwright.hub.config.js).

- configurable-http-proxy from ui-tests/node_modules, the hub's public port at
  HANDOFF_HUB_PORT_BASE (22000), its API one above, the proxy's API two above;
  single-user servers on the ports from base+10 to base+99.
- DummyAuthenticator with a password (HANDOFF_HUB_PASSWORD): any user name.
- SimpleLocalProcessSpawner: every user's server runs as the hub's own user
  (root on CI, hence --allow-root) with its home in the work directory. The
  single-user servers run this venv's jupyterhub-singleuser with the whole
  stack (jupyter-collaboration, jupyter-server-nbmodel, jupyterlab_handoff),
  token and XSRF checks on, as JupyterHub sets them up.
- jupyterhub-idle-culler as a hub service with a short timeout; it leaves
  alone the users whose name starts with ``keep-`` (idle_culler_config.py).
- Short intervals so culling takes seconds: the single-user activity reports
  (JUPYTERHUB_ACTIVITY_INTERVAL), the hub's last_activity_interval, the
  culler's timeout and period, our activity interval and the document
  cleanup delay (our grace period after a run).
- The user ``nopart``'s server has our activity reports turned off
  (``--HandoffActivity.enabled=False``), the control of the culler tests.

Each single-user server's output goes to <work>/logs/<user>.log and its hub
API token to <work>/tokens/<user>, so the tests can check that no token is
logged. The work directory (HANDOFF_HUB_DIR) is emptied at start.
"""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

base = int(os.environ.get("HANDOFF_HUB_PORT_BASE", "22000"))
work = Path(os.environ.get("HANDOFF_HUB_DIR", f"/tmp/handoff-hub-{base}"))
here = Path(__file__).resolve().parent
venv_bin = Path(sys.executable).parent

shutil.rmtree(work, ignore_errors=True)
for sub in ("home", "logs", "tokens"):
    (work / sub).mkdir(parents=True)

c = get_config()  # noqa: F821

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = base
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = base + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{base + 2}"
c.ConfigurableHTTPProxy.command = [
    str(here / "node_modules" / ".bin" / "configurable-http-proxy")
]
c.ConfigurableHTTPProxy.log_level = "warn"
c.ConfigurableHTTPProxy.pid_file = str(work / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{work / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(work / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(work / "jupyterhub.pid")
c.JupyterHub.log_level = "WARN"
# run_hub.py stops the proxy once the hub has stopped every server (the hub
# would stop it at the same time, then retry its API for each server).
c.JupyterHub.cleanup_proxy = False

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ["HANDOFF_HUB_PASSWORD"]
c.Authenticator.allow_all = True

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(work / "home" / "{username}")
c.Spawner.cmd = [str(venv_bin / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.args = [
    "--allow-root",
    # Our activity reports, and the room cleanup delay that is also how long
    # they go on after a run (so the end is saved before any cull).
    "--HandoffActivity.interval=1",
    "--YDocExtension.document_cleanup_delay=3",
    # window.jupyterapp, which the tests read the notebook model through.
    "--LabApp.expose_app_in_browser=True",
]
c.Spawner.environment = {
    # Seconds between two activity reports of a single-user server to the hub.
    "JUPYTERHUB_ACTIVITY_INTERVAL": "1",
    "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}",
}
c.JupyterHub.last_activity_interval = 1

CULL_TIMEOUT = int(os.environ.get("HANDOFF_HUB_CULL_TIMEOUT", "10"))
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={CULL_TIMEOUT}",
            "--cull-every=1",
            f"--config={here / 'idle_culler_config.py'}",
        ],
    },
    {
        # The tests ask the hub whether a server runs.
        "name": "handoff-tests",
        "api_token": os.environ["HANDOFF_HUB_API_TOKEN"],
    },
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": [
            "list:users",
            "read:users:activity",
            "read:servers",
            "delete:servers",
        ],
        "services": ["idle-culler"],
    },
    {
        "name": "handoff-tests",
        "scopes": ["list:users", "read:users", "read:servers"],
        "services": ["handoff-tests"],
    },
]

_ports = iter(range(base + 10, base + 100))


def _free_port():
    for port in _ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port left in the hub suite's range")


def pre_spawn_hook(spawner):
    name = spawner.user.name
    spawner.port = _free_port()
    if name == "nopart":
        spawner.args = [*spawner.args, "--HandoffActivity.enabled=False"]
    (work / "tokens" / name).write_text(spawner.api_token or "")
    log = open(work / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - the server's stdout
    # No terminal: jupyter-server would answer the hub's SIGINT with a
    # "Shutdown this Jupyter server (y/[n])?" prompt and keep running.
    spawner.popen_kwargs = {"stdin": subprocess.DEVNULL, "stdout": log, "stderr": log}


c.Spawner.pre_spawn_hook = pre_spawn_hook
# A single-user server does not exit on the hub's SIGINT, nor on SIGTERM,
# once it has served a notebook: Python waits at exit for non-daemon threads
# (an anyio worker and pycares' shutdown thread; pycares comes with
# jupyterhub's aiodns). The hub then kills it, after these timeouts (10 s, 5 s
# and 5 s by default): shorter here, so that stopping and culling take seconds.
c.LocalProcessSpawner.interrupt_timeout = 2
c.LocalProcessSpawner.term_timeout = 2
