"""The note a cell gets when a fault cuts its run short, written server-side.

The same words as the frontend's (src/execution/cutshort.ts), which does
not add its own for the causes the server writes. An error output, after
the outputs the run had, so the file and every tab say why the run ended.
"""

from __future__ import annotations

from typing import Any

CUT_SHORT_NAME = "RunCutShort"
SERVER_STOPPED = (
    "This run was cut short: the Jupyter server stopped while it ran. "
    "The outputs above are what it printed before the stop."
)
KERNEL_RESTARTED = (
    "This run was cut short: the kernel was restarted while it ran. "
    "The outputs above are what it printed before."
)
KERNEL_DIED = (
    "This run was cut short: the kernel died while it ran. "
    "The outputs above are what it printed before."
)
#: nbmodel's mark on a cell it runs.
NBMODEL_MARK = "jupyter_server_nbmodel"


def note_output(message: str) -> dict:
    return {
        "output_type": "error",
        "ename": CUT_SHORT_NAME,
        "evalue": message,
        "traceback": [f"{CUT_SHORT_NAME}: {message}"],
    }


def plain(value: Any) -> Any:
    """A shared value as plain Python."""
    return value.to_py() if hasattr(value, "to_py") else value


def has_note(cell: Any, message: str) -> bool:
    return any(
        (value := plain(output)).get("ename") == CUT_SHORT_NAME and value.get("evalue") == message
        for output in cell.get("outputs") or ()
    )


def write_note(cell: Any, message: str, end_run: bool = False) -> bool:
    """Add the note once and set the cell idle, in one transaction.

    ``end_run`` also clears the count and nbmodel's mark: the run will not
    end by itself. Returns whether the note was added.
    """
    outputs = cell.get("outputs")
    if outputs is None:
        return False
    added = not has_note(cell, message)
    with outputs.doc.transaction():
        if added:
            outputs.append(note_output(message))
        if end_run:
            if cell.get("execution_count") is not None:
                cell["execution_count"] = None
            metadata = cell.get("metadata")
            if metadata is not None and NBMODEL_MARK in metadata:
                del metadata[NBMODEL_MARK]
        cell["execution_state"] = "idle"
    return added


def find_cell(cells: Any, cell_id: str) -> Any:
    """The shared cell with this id, or None."""
    if cells is None:
        return None
    return next((cell for cell in cells if cell.get("id") == cell_id), None)
