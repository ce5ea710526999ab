"""A stopped or killed server keeps what running cells printed, and stops promptly.

Each test starts its own real server (jupyter-collaboration,
jupyter-server-nbmodel, ipykernel and this package's server part) with token
auth and XSRF on, runs a cell through the execute endpoint, and stops the
server with a signal.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from serverharness import Server, notebook, stream_text, wait_for

# Prints a number every 0.25 s for a minute: more often than the 1 s autosave
# delay, which every change restarts. Each number goes to progress.txt first,
# so the test knows what was printed before it stops the server.
COUNTING = """\
import os, sys, time
open('kernel.pid', 'w').write(str(os.getpid()))
for i in range(240):
    with open('progress.txt', 'a') as f:
        f.write(f'{i}\\n')
    print(i, flush=True)
    time.sleep(0.25)
"""


def printed(root: Path) -> list[int]:
    path = root / "progress.txt"
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def numbers(text: str) -> list[int]:
    return [int(x) for x in text.split()]


def start_counting(server: Server, root: Path) -> str:
    notebook(root / "count.ipynb", COUNTING)
    room_id, ws = server.open_room("count.ipynb")
    kernel = server.api("POST", "/api/kernels", {"name": "python3"}).json()["id"]
    server.execute(kernel, room_id, COUNTING)
    server.tab = ws
    return kernel


def kill_kernel(root: Path) -> None:
    try:
        os.kill(int((root / "kernel.pid").read_text()), signal.SIGKILL)
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass


@pytest.fixture
def root(tmp_path):
    yield tmp_path
    Server.kill_all()
    kill_kernel(tmp_path)


@pytest.mark.parametrize("tab", ["tab open", "no tab"])
def test_clean_stop_keeps_everything_printed_before_it(root, tab):
    server = Server(root)
    start_counting(server, root)
    wait_for(lambda: len(printed(root)) >= 12, 60, "the cell to print 12 numbers")
    if tab == "no tab":
        server.tab.close()
    before = printed(root)
    # What the cell printed reaches the server within milliseconds: give it
    # half a second, then stop.
    time.sleep(0.5)
    server.stop(signal.SIGTERM, timeout=30)
    kept = numbers(stream_text(root / "count.ipynb"))
    assert kept[: len(before)] == before, f"kept {kept}, printed {before}"
    assert kept == list(range(len(kept))), "each number exactly once, in order"
    # The cell says why its run ended, once, after what it printed.
    outputs = json.loads((root / "count.ipynb").read_text())["cells"][0]["outputs"]
    notes = [i for i, o in enumerate(outputs) if o.get("ename") == "RunCutShort"]
    assert len(notes) == 1, outputs
    assert outputs[notes[0]]["evalue"].startswith("This run was cut short: the Jupyter server stopped")
    assert all(o["output_type"] == "stream" for o in outputs[: notes[0]])


def test_stop_with_tabs_connected_is_prompt(root):
    # Two tabs on the notebook, one run in flight: the process used to wait
    # forever for an anyio worker thread tied to a tab's websocket task.
    server = Server(root)
    start_counting(server, root)
    _, second_tab = server.open_room("count.ipynb")
    wait_for(lambda: len(printed(root)) >= 4, 60, "the cell to print")
    took = server.stop(signal.SIGTERM, timeout=30)
    second_tab.close()
    assert took < 10, f"the server took {took:.1f} s to exit"


def test_stop_with_idle_tabs_is_prompt(root):
    notebook(root / "idle.ipynb", "1 + 1")
    server = Server(root)
    tabs = [server.open_room("idle.ipynb")[1] for _ in range(2)]
    time.sleep(1)
    took = server.stop(signal.SIGTERM, timeout=30)
    for tab in tabs:
        tab.close()
    assert took < 10, f"the server took {took:.1f} s to exit"


def test_a_running_cell_is_saved_during_the_run(root):
    # A killed server cannot save at the stop: what it saved during the run
    # is what is left. The loss is bounded by the save interval (2 s) plus
    # one save.
    server = Server(root)
    start_counting(server, root)
    wait_for(lambda: len(printed(root)) >= 16, 60, "the cell to print 16 numbers")
    before = printed(root)
    time.sleep(3.5)
    server.stop(signal.SIGKILL)
    kept = numbers(stream_text(root / "count.ipynb"))
    assert kept == list(range(len(kept)))
    assert len(kept) >= len(before), f"saved {kept} of {printed(root)}"
