"""jupyterhub-idle-culler's configuration in the hub suite.

The culler's timeout is short (seconds) for the culler tests. The other
tests keep a tab open on their servers and must not depend on how often that
tab talks to the server: users whose name starts with ``keep-`` are never
culled.
"""

from jupyterhub_idle_culler import default_cull_arbiter


def cull_arbiter(*, inactive, inactive_limit, server, **kwargs):
    if "/user/keep-" in (server.get("url") or ""):
        return False
    return default_cull_arbiter(inactive=inactive, inactive_limit=inactive_limit, server=server)


c = get_config()  # noqa: F821
c.IdleCuller.cull_arbiter_hook = cull_arbiter
