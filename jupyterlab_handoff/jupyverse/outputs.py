"""Writing one run's iopub messages into a shared cell.

Each message is one transaction. Streams follow the shape JupyterLab expects
from a shared notebook: one ``Map`` per run of a stream name, whose ``Text``
grows as chunks arrive. Unlike jupyverse's own driver, ``clear_output``
(with ``wait``) and ``update_display_data`` are applied, and a carriage
return is applied as the kernel path does: JupyterLab renders a ``\r`` in
shared stream text as a line break, so a progress bar would print every
state on its own line. We rewrite only the changed tail of the last line; a
trailing ``\r`` waits in memory for the next chunk.
"""

from __future__ import annotations

from typing import Any

import re

from pycrdt import Array, Map, Text

_CR_LF = re.compile(r"\r+\n")


def resolve_line_returns(text: str) -> str:
    """Apply each ``\r`` (not part of ``\r\n``): what follows it overwrites
    its line from the start, keeping what is longer, as JupyterLab does for
    kernel messages."""
    text = _CR_LF.sub("\n", text)
    if "\r" not in text:
        return text
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if "\r" in line:
            current = ""
            for part in line.split("\r"):
                if part:
                    current = part + current[len(part) :]
            lines[n] = current + ("\r" if line.endswith("\r") else "")
    return "\n".join(lines)


class OutputWriter:
    def __init__(self, ycell: Map) -> None:
        self._cell = ycell
        self._clear_pending = False
        self._pending_cr: dict[str, bool] = {}
        # display_id -> indices in the cell's outputs written by this run
        self._displays: dict[str, list[int]] = {}

    @property
    def _outputs(self) -> Array:
        return self._cell["outputs"]

    def handle(self, msg: dict[str, Any]) -> None:
        kind = msg["msg_type"]
        content = msg["content"]
        if kind == "clear_output":
            if content.get("wait"):
                self._clear_pending = True
            else:
                with self._cell.doc.transaction():
                    self._clear()
            return
        if kind == "update_display_data":
            self._update_display(content)
            return
        if kind not in ("stream", "display_data", "execute_result", "error"):
            return
        with self._cell.doc.transaction():
            if self._clear_pending:
                self._clear()
            outputs = self._outputs
            if kind == "stream":
                self._stream(outputs, content["name"], content["text"])
                return
            output = _plain_output(kind, content)
            display_id = (content.get("transient") or {}).get("display_id")
            if display_id and kind != "error":
                self._displays.setdefault(display_id, []).append(len(outputs))
            outputs.append(output)

    def _stream(self, outputs: Array, name: str, chunk: str) -> None:
        last = outputs[len(outputs) - 1] if len(outputs) else None
        if not (
            isinstance(last, Map)
            and last.get("output_type") == "stream"
            and last.get("name") == name
            and isinstance(last.get("text"), Text)
        ):
            self._pending_cr[name] = False
            last = None
        pending = self._pending_cr.get(name, False)
        if "\r" not in chunk and not pending:
            if last is None:
                outputs.append(Map({"name": name, "output_type": "stream", "text": Text(chunk)}))
            else:
                text = last["text"]
                text += chunk  # appends in place
            return
        old = str(last["text"]) if last is not None else ""
        start = old.rfind("\n") + 1
        tail = old[start:]
        new = resolve_line_returns(tail + ("\r" if pending else "") + chunk)
        self._pending_cr[name] = new.endswith("\r")
        if self._pending_cr[name]:
            new = new[:-1]
        if last is None:
            if new:
                outputs.append(Map({"name": name, "output_type": "stream", "text": Text(new)}))
            return
        same = 0
        while same < min(len(tail), len(new)) and tail[same] == new[same]:
            same += 1
        # pycrdt's Text counts UTF-8 bytes.
        at = len(old[: start + same].encode())
        text = last["text"]
        if same < len(tail):
            del text[at : len(old.encode())]
        if same < len(new):
            text.insert(at, new[same:])

    def _clear(self) -> None:
        self._clear_pending = False
        self._pending_cr.clear()
        self._displays.clear()
        del self._outputs[:]

    def _update_display(self, content: dict[str, Any]) -> None:
        display_id = (content.get("transient") or {}).get("display_id")
        indices = self._displays.get(display_id or "", [])
        if not indices:
            return
        with self._cell.doc.transaction():
            outputs = self._outputs
            for index in indices:
                if index >= len(outputs):
                    continue
                old = outputs[index]
                kind = old.get("output_type") if hasattr(old, "get") else None
                if kind not in ("display_data", "execute_result"):
                    continue
                new = _plain_output("display_data", content)
                if kind == "execute_result":
                    new["output_type"] = "execute_result"
                    new["execution_count"] = old.get("execution_count")
                del outputs[index]
                outputs.insert(index, new)


def _plain_output(kind: str, content: dict[str, Any]) -> dict[str, Any]:
    if kind == "error":
        return {
            "output_type": "error",
            "ename": content.get("ename", ""),
            "evalue": content.get("evalue", ""),
            "traceback": list(content.get("traceback", [])),
        }
    output: dict[str, Any] = {
        "output_type": kind,
        "data": content.get("data", {}),
        "metadata": content.get("metadata", {}),
    }
    if kind == "execute_result":
        output["execution_count"] = content.get("execution_count")
    return output
