"""Apply ``update_display_data`` to the shared document, as the tab would.

jupyter-server-nbmodel 0.2 writes a run's outputs into the notebook's shared
document, but drops ``update_display_data``: ``h = display('first',
display_id=True); h.update('second')`` shows ``first`` forever. It also
writes outputs without their ``transient`` field, so the document never
says which output a ``display_id`` names.

This module follows the kernel messages of every run nbmodel executes by
wrapping nbmodel's own output hook, the function it hands to
``execute_interactive``: each message reaches us right after nbmodel handled
it, on the server's event loop, whether or not a tab is open. We remember,
per kernel, which output of which cell each ``display_data`` with a
``display_id`` became, and apply each update to every such output still
shown, as JupyterLab's kernel connection does for its own runs (also from a
later cell to an earlier cell's display). Displays made before the server
started are unknown to us and stay as they are.

Writing rules, so that we never fight nbmodel or the tabs:

- An output is ours to rewrite only while it still holds exactly what was
  written for the display (a cleared cell, a re-run, or a tab's edit makes
  us forget it).
- A tab applies an output inserted into the shared document by appending it
  (JupyterLab's ``CodeCellModel``), and appends stream text to its *last*
  output. So the replaced output and every output after it are written
  again, in order, in one transaction: an open tab then shows the same
  order as a tab opened later, and its last output is still the stream
  that grows. Replacing the display alone would move it to the end in open
  tabs, where the next stream text would be appended to it.
- That tail can hold the stream nbmodel is appending to. Writing it again
  does not fight nbmodel: we write from inside nbmodel's own hook, between
  two of its writes (never concurrently), and nbmodel keeps the stream's
  text in its own state and looks up the cell's last output afresh on each
  message, so it goes on appending to the new Y.Text. Streams keep their
  shared type (Y.Text, or the list form of other frontends).
- nbmodel's own record of the run (what ``GET /api/kernels/{k}/requests/{r}``
  returns at the end) gets the same update, so a tab comparing the document
  with that result finds them equal.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

#: nbmodel versions whose output hook drops ``update_display_data``.
SUPPORTED = ("0.2.",)
#: The parameters of nbmodel's ``_output_hook`` that we wrap.
HOOK_PARAMETERS = ["outputs", "ycell", "stream_state", "msg"]
#: Displays remembered per kernel; the oldest are forgotten first.
MAX_DISPLAYS = 1000


@dataclass
class _Target:
    """One output written for a display."""

    #: The cell holding it.
    ycell: Any
    #: Its position in the cell's outputs (outputs are only appended, or all
    #: cleared, so it stays there as long as it exists).
    index: int
    #: A digest of what it holds now, to know it is still ours.
    digest: str
    #: nbmodel's record of the run that wrote it, and the entry there.
    run_outputs: list
    run_entry: Any

    def in_run(self) -> bool:
        """Whether nbmodel's record of the run still holds our entry."""
        return self.run_entry is not None and any(e is self.run_entry for e in self.run_outputs)


def _plain(value: Any) -> Any:
    return value.to_py() if hasattr(value, "to_py") else value


def _digest(value: Any) -> str:
    text = json.dumps(_plain(value), sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()


def _display_id(msg: dict) -> str | None:
    transient = msg.get("content", {}).get("transient") or {}
    display_id = transient.get("display_id")
    return display_id if isinstance(display_id, str) and display_id else None


class DisplayUpdates:
    """display_id → the outputs written for it, per kernel."""

    def __init__(self, log: Any, max_displays: int = MAX_DISPLAYS) -> None:
        self._log = log
        self._max = max_displays
        self._kernels: dict[Any, OrderedDict[str, list[_Target]]] = {}

    def wrap(self, original: Any) -> Any:
        """nbmodel's output hook, followed by ours."""

        def output_hook(outputs: list, ycell: Any, stream_state: Any, msg: dict) -> None:
            before = self._length(ycell)
            original(outputs, ycell, stream_state, msg)
            try:
                self.handle(outputs, ycell, msg, before)
            except Exception:  # never break nbmodel's run
                self._log.exception("jupyterlab_handoff: display update failed")

        output_hook.__wrapped__ = original  # type: ignore[attr-defined]
        return output_hook

    def handle(self, outputs: list, ycell: Any, msg: dict, length_before: int | None) -> None:
        """Remember a display, or apply an update (after nbmodel handled msg)."""
        if ycell is None:
            return
        msg_type = msg.get("header", {}).get("msg_type")
        display_id = _display_id(msg)
        if display_id is None:
            return
        if msg_type == "display_data":
            self._remember(outputs, ycell, display_id, length_before)
        elif msg_type == "update_display_data":
            self._update(outputs, ycell, display_id, msg["content"])

    def _remember(
        self, outputs: list, ycell: Any, display_id: str, length_before: int | None
    ) -> None:
        cell_outputs = ycell["outputs"]
        # nbmodel skips a display equal to the output before it: then no
        # output of the document is this display's.
        if length_before is None or len(cell_outputs) != length_before + 1:
            return
        index = len(cell_outputs) - 1
        target = _Target(
            ycell=ycell,
            index=index,
            digest=_digest(cell_outputs[index]),
            run_outputs=outputs,
            run_entry=outputs[-1] if outputs else None,
        )
        displays = self._kernels.setdefault(_kernel_key(ycell), OrderedDict())
        targets = [t for t in displays.pop(display_id, []) if self._alive(t)]
        targets.append(target)
        displays[display_id] = targets
        while len(displays) > self._max:
            displays.popitem(last=False)

    def _update(self, outputs: list, ycell: Any, display_id: str, content: dict) -> None:
        displays = self._kernels.get(_kernel_key(ycell))
        if not displays or display_id not in displays:
            return
        import nbformat

        new = nbformat.v4.new_output(
            "display_data",
            data=content.get("data", {}),
            metadata=content.get("metadata", {}),
        )
        alive = []
        for target in displays[display_id]:
            if not self._alive(target):
                continue
            self._replace(target, dict(new))
            if target.in_run():
                run = target.run_outputs
                at = next(i for i, e in enumerate(run) if e is target.run_entry)
                run[at] = target.run_entry = nbformat.from_dict(dict(new))
            alive.append(target)
        displays[display_id] = alive
        displays.move_to_end(display_id)

    def _alive(self, target: _Target) -> bool:
        try:
            cell_outputs = target.ycell["outputs"]
            return (
                target.index < len(cell_outputs)
                and _digest(cell_outputs[target.index]) == target.digest
            )
        except Exception:  # the cell is gone from the document
            return False

    def _replace(self, target: _Target, new: dict) -> None:
        cell_outputs = target.ycell["outputs"]
        end = len(cell_outputs)
        tail = [_fresh(cell_outputs[i]) for i in range(target.index + 1, end)]
        with cell_outputs.doc.transaction():
            del cell_outputs[target.index : end]
            for offset, output in enumerate([new, *tail]):
                cell_outputs.insert(target.index + offset, output)
        target.digest = _digest(cell_outputs[target.index])

    @staticmethod
    def _length(ycell: Any) -> int | None:
        try:
            return None if ycell is None else len(ycell["outputs"])
        except Exception:
            return None


def _fresh(value: Any) -> Any:
    """A new, unattached value equal to ``value`` (Yjs values cannot be moved).

    Shared types keep their type (a stream's Y.Text stays a Y.Text, so text
    can still be appended to it; list-form text written by another frontend
    stays a list).
    """
    from pycrdt import Array, Map, Text

    if isinstance(value, Text):
        return Text(str(value))
    if isinstance(value, Array):
        return Array([_fresh(item) for item in value])
    if isinstance(value, Map):
        return Map({key: _fresh(value[key]) for key in value.keys()})
    return value


def _kernel_key(ycell: Any) -> Any:
    """The kernel running the cell now (nbmodel notes it in the cell's metadata)."""
    try:
        info = _plain(ycell["metadata"].get("jupyter_server_nbmodel")) or {}
        kernel_id = info.get("kernelId")
    except Exception:
        kernel_id = None
    # Without it (not an nbmodel run), one document is one kernel.
    return kernel_id or ("doc", id(ycell.doc))


def install(log: Any) -> DisplayUpdates | None:
    """Wrap nbmodel's output hook, if it is a version that needs it."""
    try:
        import jupyter_server_nbmodel
        from jupyter_server_nbmodel import actions
    except ImportError:
        return None
    version = getattr(jupyter_server_nbmodel, "__version__", "")
    original = getattr(actions, "_output_hook", None)
    if original is None or not version.startswith(SUPPORTED):
        log.warning(
            "jupyterlab_handoff: jupyter-server-nbmodel %s is not one we know; "
            "display updates (update_display_data) are left to it",
            version,
        )
        return None
    if getattr(original, "__wrapped__", None) is not None:
        return None  # Already installed (the extension loaded twice).
    if list(inspect.signature(original).parameters) != HOOK_PARAMETERS:
        log.warning(
            "jupyterlab_handoff: jupyter-server-nbmodel's output hook changed; "
            "display updates (update_display_data) are not applied"
        )
        return None
    updates = DisplayUpdates(log)
    actions._output_hook = updates.wrap(original)
    log.info("jupyterlab_handoff: display updates are applied to shared documents")
    return updates
