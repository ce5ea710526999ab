"""Server configuration for the demo (scripts/demo.sh).

Authentication stays on: the token comes from the command line.
"""

c.ServerApp.open_browser = False  # noqa: F821
# Demo machines and containers often run as root.
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
# Keep a notebook's shared document alive while no tab is connected, so a
# cell running for longer than the default 60 s cleanup delay keeps writing
# into the same document that the next tab will open.
c.YDocExtension.document_cleanup_delay = None  # noqa: F821
