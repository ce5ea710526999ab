"""Writing one run's iopub messages into a shared cell.

Each message is one transaction. Streams follow the shape JupyterLab expects
from a shared notebook: one ``Map`` per run of a stream name, whose ``Text``
grows as chunks arrive. Unlike jupyverse's own driver, ``clear_output``
(with ``wait``) and ``update_display_data`` are applied.
"""

from __future__ import annotations

from typing import Any

from pycrdt import Array, Map, Text


class OutputWriter:
    def __init__(self, ycell: Map) -> None:
        self._cell = ycell
        self._clear_pending = False
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
                last = outputs[len(outputs) - 1] if len(outputs) else None
                if (
                    isinstance(last, Map)
                    and last.get("output_type") == "stream"
                    and last.get("name") == content["name"]
                    and isinstance(last.get("text"), Text)
                ):
                    text = last["text"]
                    text += content["text"]  # appends in place
                else:
                    outputs.append(
                        Map(
                            {
                                "name": content["name"],
                                "output_type": "stream",
                                "text": Text(content["text"]),
                            }
                        )
                    )
                return
            output = _plain_output(kind, content)
            display_id = (content.get("transient") or {}).get("display_id")
            if display_id and kind != "error":
                self._displays.setdefault(display_id, []).append(len(outputs))
            outputs.append(output)

    def _clear(self) -> None:
        self._clear_pending = False
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
