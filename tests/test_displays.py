"""Display updates applied to the shared document (jupyterlab_handoff.displays).

The messages go through jupyter-server-nbmodel's real output hook, wrapped
as the server extension wraps it, into real Yjs notebooks. A tab's view of
a cell is modelled by JupyterLab's rule for output changes of the shared
document (a deleted output is removed at its index, an inserted one is
appended), to check what a tab open during the run shows.
"""

from __future__ import annotations

import logging
import uuid

import pytest
from jupyter_server_nbmodel import actions
from jupyter_ydoc import YNotebook

from jupyterlab_handoff import displays
from jupyterlab_handoff.displays import DisplayUpdates

LOG = logging.getLogger("test_displays")


def notebook(cells: int) -> YNotebook:
    nb = YNotebook()
    nb.set(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "id": f"c{i}",
                    "source": "",
                    "metadata": {},
                    "outputs": [],
                    "execution_count": None,
                }
                for i in range(cells)
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )
    return nb


class Run:
    """One nbmodel run of a cell: the arguments nbmodel binds to its hook."""

    def __init__(self, hook, ycell, kernel: str = "k1") -> None:
        # What nbmodel's _execute_snippet does when a run starts.
        with ycell.doc.transaction():
            del ycell["outputs"][:]
            ycell["metadata"]["jupyter_server_nbmodel"] = {
                "requestId": uuid.uuid4().hex,
                "kernelId": kernel,
            }
        self.hook, self.ycell = hook, ycell
        self.outputs: list = []
        self.state = actions._StreamState()

    def send(self, msg_type: str, **content) -> None:
        msg = {"header": {"msg_type": msg_type}, "parent_header": {}, "content": content}
        self.hook(self.outputs, self.ycell, self.state, msg)

    def display(self, text: str, display_id: str | None = None) -> None:
        transient = {"display_id": display_id} if display_id else {}
        self.send(
            "display_data", data={"text/plain": text}, metadata={}, transient=transient
        )

    def update(self, text: str, display_id: str) -> None:
        self.send(
            "update_display_data",
            data={"text/plain": text},
            metadata={},
            transient={"display_id": display_id},
        )

    def print(self, text: str, name: str = "stdout") -> None:
        self.send("stream", name=name, text=text)

    def end(self) -> None:
        with self.ycell.doc.transaction():
            del self.ycell["metadata"]["jupyter_server_nbmodel"]


class TabView:
    """A cell's outputs as a tab open all along shows them (JupyterLab's rule)."""

    def __init__(self, ycell) -> None:
        self.outputs: list = [self._plain(o) for o in ycell["outputs"]]
        self.deletes: list[tuple[int, int]] = []
        self._youtputs = ycell["outputs"]
        self._youtputs.observe_deep(self._on_change)

    @staticmethod
    def _plain(value):
        value = value.to_py() if hasattr(value, "to_py") else dict(value)
        if isinstance(value.get("text"), list):
            value["text"] = "".join(value["text"])
        return value

    def _on_change(self, events) -> None:
        for event in events:
            if not hasattr(event, "delta"):
                continue
            if list(event.path) == []:
                retain = 0
                for op in event.delta:
                    if "retain" in op:
                        retain += op["retain"]
                    if "delete" in op:
                        self.deletes.append((retain, op["delete"]))
                        del self.outputs[retain : retain + op["delete"]]
                    if "insert" in op:
                        # Inserting an output always results in appending it.
                        self.outputs.extend(self._plain(o) for o in op["insert"])
            elif len(event.path) == 2 and event.path[1] == "text":
                # JupyterLab applies stream text changes to its last output.
                output = self.outputs[-1]
                assert output["output_type"] == "stream", "text for a non-stream output"
                at = 0
                for op in event.delta:
                    if "retain" in op:
                        at += op["retain"]
                    if "delete" in op:
                        output["text"] = output["text"][:at] + output["text"][at + op["delete"] :]
                    if "insert" in op:
                        insert = op["insert"]
                        text = insert if isinstance(insert, str) else "".join(insert)
                        output["text"] = output["text"][:at] + text + output["text"][at:]
                        at += len(text)


def texts(ycell) -> list[str]:
    out = []
    for output in ycell["outputs"]:
        output = output.to_py() if hasattr(output, "to_py") else output
        if output["output_type"] == "stream":
            text = output["text"]
            out.append("".join(text) if isinstance(text, list) else text)
        else:
            out.append(output["data"]["text/plain"])
    return out


def view_texts(view: TabView) -> list[str]:
    return [o["text"] if o["output_type"] == "stream" else o["data"]["text/plain"] for o in view.outputs]


@pytest.fixture
def hook():
    return DisplayUpdates(LOG).wrap(actions._output_hook)


def test_an_update_replaces_the_display_in_the_document_and_nbmodels_record(hook):
    nb = notebook(1)
    cell = nb.ycells[0]
    view = TabView(cell)
    run = Run(hook, cell)
    run.display("first", "d1")
    run.update("second", "d1")
    assert texts(cell) == ["second"]
    assert view_texts(view) == ["second"]
    # What nbmodel hands out as the run's result holds the update too.
    assert [o["data"]["text/plain"] for o in run.outputs] == ["second"]
    assert cell["outputs"][0]["output_type"] == "display_data"
    assert "transient" not in cell["outputs"][0]


def test_without_the_wrapper_nbmodel_keeps_the_first_value():
    # The gap this module closes: nbmodel's hook alone drops the update.
    nb = notebook(1)
    run = Run(actions._output_hook, nb.ycells[0])
    run.display("first", "d1")
    run.update("second", "d1")
    assert texts(nb.ycells[0]) == ["first"]


def test_outputs_after_the_display_keep_their_order_in_an_open_tab(hook):
    nb = notebook(1)
    cell = nb.ycells[0]
    view = TabView(cell)
    run = Run(hook, cell)
    run.display("first", "d1")
    run.display("<b>html</b>")
    run.print("a\n", "stderr")
    run.display("third")
    run.update("second", "d1")
    assert texts(cell) == ["second", "<b>html</b>", "a\n", "third"]
    assert view_texts(view) == texts(cell)
    # A stream of the tail is written again as a Y.Text, that can grow.
    from pycrdt import Text

    assert isinstance(cell["outputs"][2]["text"], Text)


def test_nbmodel_goes_on_appending_to_its_stream_after_an_update(hook):
    nb = notebook(1)
    cell = nb.ycells[0]
    view = TabView(cell)
    run = Run(hook, cell)
    run.display("first", "d1")
    run.print("a\n")
    run.update("second", "d1")
    run.print("b")
    run.print("\rc\n")
    run.update("third", "d1")
    run.print("d\n")
    assert texts(cell) == ["third", "a\nc\nd\n"]
    # A tab open all along: the display stays first, and the stream text
    # that follows goes to the stream (JupyterLab appends to the last output).
    assert view_texts(view) == texts(cell)
    assert [o.get("text", o.get("data")) for o in run.outputs][0] == {"text/plain": "third"}


def test_an_update_from_a_later_cell_reaches_an_earlier_cells_display(hook):
    nb = notebook(2)
    first, second = nb.ycells
    view = TabView(first)
    run = Run(hook, first)
    run.print("before\n")
    run.display("first", "d1")
    run.print("after\n")
    run.end()
    later = Run(hook, second)
    later.update("second", "d1")
    later.update("third", "d1")
    later.end()
    assert texts(first) == ["before\n", "third", "after\n"]
    assert view_texts(view) == texts(first)
    assert texts(second) == []


def test_every_output_of_one_display_id_is_updated(hook):
    nb = notebook(2)
    a, b = nb.ycells
    run_a = Run(hook, a)
    run_a.display("first", "shared")
    run_a.end()
    run_b = Run(hook, b)
    run_b.display("first again", "shared")
    run_b.update("both", "shared")
    assert texts(a) == ["both"]
    assert texts(b) == ["both"]


def test_a_display_of_another_kernel_is_left_alone(hook):
    nb = notebook(2)
    a, b = nb.ycells
    run_a = Run(hook, a, kernel="k1")
    run_a.display("first", "mine")
    run_a.end()
    Run(hook, b, kernel="k2").update("second", "mine")
    assert texts(a) == ["first"]


def test_a_cleared_or_rerun_display_is_forgotten(hook):
    nb = notebook(2)
    a, b = nb.ycells
    run = Run(hook, a)
    run.display("first", "d1")
    run.send("clear_output", wait=False)
    run.display("other")
    run.update("second", "d1")
    assert texts(a) == ["other"]
    run.display("again", "d2")
    run.end()
    # Run again: nbmodel clears the cell, the old display is gone.
    rerun = Run(hook, a)
    rerun.display("again")
    rerun.end()
    Run(hook, b).update("late", "d2")
    assert texts(a) == ["again"]
    assert texts(b) == []


def test_a_display_a_tab_changed_is_not_overwritten(hook):
    nb = notebook(2)
    a, b = nb.ycells
    run = Run(hook, a)
    run.display("first", "d1")
    run.end()
    # A tab replaces the cell's outputs (e.g. Clear Outputs, then its own run).
    with nb.ydoc.transaction():
        del a["outputs"][:]
        a["outputs"].append({"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}})
    Run(hook, b).update("second", "d1")
    assert texts(a) == ["x"]


def test_a_display_nbmodel_skipped_as_a_duplicate_is_not_remembered(hook):
    nb = notebook(1)
    cell = nb.ycells[0]
    run = Run(hook, cell)
    run.display("same", "d1")
    run.display("same")  # nbmodel writes two equal outputs in a row once
    run.update("updated", "d1")
    assert texts(cell) == ["updated"]
    run.display("updated", "d2")  # equal to the last output: skipped
    run.update("d2 only", "d2")
    assert texts(cell) == ["updated"]


def test_list_form_stream_text_of_another_frontend_keeps_its_form(hook):
    from pycrdt import Array, Map

    nb = notebook(2)
    a, b = nb.ycells
    run = Run(hook, a)
    run.display("first", "d1")
    run.end()
    # Another frontend (jpterm) appends its stream as a list of chunks.
    a["outputs"].append(Map({"output_type": "stream", "name": "stdout", "text": Array(["x", "y\n"])}))
    Run(hook, b).update("second", "d1")
    assert texts(a) == ["second", "xy\n"]
    assert isinstance(a["outputs"][1]["text"], Array)


def test_errors_in_our_part_never_break_nbmodels_run(caplog):
    updates = DisplayUpdates(LOG)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    updates._update = broken  # type: ignore[method-assign]
    hook = updates.wrap(actions._output_hook)
    nb = notebook(1)
    run = Run(hook, nb.ycells[0])
    run.display("first", "d1")
    with caplog.at_level(logging.ERROR):
        run.update("second", "d1")
    run.print("goes on\n")
    assert texts(nb.ycells[0]) == ["first", "goes on\n"]
    assert "display update failed" in caplog.text


def test_install_wraps_nbmodels_hook_once(monkeypatch):
    original = actions._output_hook
    monkeypatch.setattr(actions, "_output_hook", original)
    assert displays.install(LOG) is not None
    assert actions._output_hook.__wrapped__ is original
    assert displays.install(LOG) is None
    assert actions._output_hook.__wrapped__ is original


def test_install_leaves_an_unknown_nbmodel_alone(monkeypatch, caplog):
    import jupyter_server_nbmodel

    original = actions._output_hook
    monkeypatch.setattr(actions, "_output_hook", original)
    monkeypatch.setattr(jupyter_server_nbmodel, "__version__", "0.3.0")
    with caplog.at_level(logging.WARNING):
        assert displays.install(LOG) is None
    assert actions._output_hook is original
    assert "not one we know" in caplog.text
