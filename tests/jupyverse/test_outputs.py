"""The output writer on a real shared cell: carriage returns, clear_output,
displays."""

from __future__ import annotations

import pytest
from jv_helpers import cell, notebook
from jupyter_ydoc import YNotebook
from pycrdt import Doc

from jupyterlab_handoff.jupyverse.outputs import OutputWriter, resolve_line_returns


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("plain\ntext", "plain\ntext"),
        ("\r10%\r20%\r100%\rdone\n", "done\n"),
        ("abc\r\n", "abc\n"),
        ("long line\rshort", "shortline"),
        ("a\nb\rc\nd", "a\nc\nd"),
        ("50%\r", "50%\r"),
        ("x\r\r\ry", "y"),
    ],
)
def test_line_returns_resolve_as_jupyterlab_does(raw, shown):
    assert resolve_line_returns(raw) == shown


def stream(writer, text, name="stdout"):
    writer.handle({"msg_type": "stream", "content": {"name": name, "text": text}})


def text_of(nb, name="stdout"):
    (out,) = [o for o in cell(nb, 0)["outputs"] if o["name"] == name]
    return out["text"]


def test_a_progress_bar_rewrites_only_its_line_and_syncs_as_such():
    nb = notebook("x")
    remote = Doc()
    remote.apply_update(nb.ydoc.get_update())
    nb.ydoc.observe(lambda event: remote.apply_update(event.update))
    writer = OutputWriter(nb.ycells[0])
    stream(writer, "header ✓\n")
    for i in range(0, 101, 10):
        stream(writer, f"\r█ {i}%")
    assert text_of(nb) == "header ✓\n█ 100%"
    stream(writer, "\rdone\n")
    stream(writer, "after\n")
    # Overwrite, as a terminal and JupyterLab do: the longer old line shows through.
    assert text_of(nb) == "header ✓\ndone0%\nafter\n"
    # The other side of the wire sees the same text.
    other = YNotebook(remote)
    assert other.ycells[0].to_py()["outputs"][0]["text"] == "header ✓\ndone0%\nafter\n"


def test_a_trailing_return_waits_for_the_next_chunk():
    nb = notebook("x")
    writer = OutputWriter(nb.ycells[0])
    stream(writer, "10%\r")
    assert text_of(nb) == "10%"
    stream(writer, "2")
    assert text_of(nb) == "20%"
    stream(writer, "\r")
    stream(writer, "\r")
    stream(writer, "ok\n")
    assert text_of(nb) == "ok%\n"


def test_streams_interleave_and_clear_output_waits_when_asked():
    nb = notebook("x")
    writer = OutputWriter(nb.ycells[0])
    stream(writer, "a")
    stream(writer, "e", name="stderr")
    stream(writer, "b")
    assert [o["text"] for o in cell(nb, 0)["outputs"]] == ["a", "e", "b"]
    writer.handle({"msg_type": "clear_output", "content": {"wait": True}})
    assert len(cell(nb, 0)["outputs"]) == 3
    stream(writer, "new")
    assert [o["text"] for o in cell(nb, 0)["outputs"]] == ["new"]
    writer.handle({"msg_type": "clear_output", "content": {"wait": False}})
    assert cell(nb, 0)["outputs"] == []


def test_update_display_data_replaces_the_display_in_place():
    nb = notebook("x")
    writer = OutputWriter(nb.ycells[0])

    def display(kind, value):
        writer.handle(
            {
                "msg_type": kind,
                "content": {
                    "data": {"text/plain": value},
                    "metadata": {},
                    "transient": {"display_id": "d1"},
                },
            }
        )

    display("display_data", "one")
    stream(writer, "between")
    display("update_display_data", "two")
    outputs = cell(nb, 0)["outputs"]
    assert [o.get("data", {}).get("text/plain") for o in outputs] == ["two", None]
    assert outputs[0]["output_type"] == "display_data"
