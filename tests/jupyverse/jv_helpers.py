from __future__ import annotations

from typing import Any

import anyio
from jupyter_ydoc import YNotebook
from pycrdt import Doc


def notebook(*sources: str, markdown: tuple[int, ...] = ()) -> YNotebook:
    nb = YNotebook(Doc())
    nb.set(
        {
            "cells": [
                {
                    "cell_type": "markdown" if i in markdown else "code",
                    "id": f"c{i}",
                    "metadata": {},
                    "source": src,
                    **({} if i in markdown else {"outputs": [], "execution_count": None}),
                }
                for i, src in enumerate(sources)
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )
    return nb


class Room:
    """What the queue uses of a jupyverse room: its notebook, doc, clients
    and task group."""

    def __init__(self, nb: YNotebook, tg: Any) -> None:
        self.jupyter_ydoc = nb
        self.doc = nb.ydoc
        self.id = "json:notebook:test"
        self.clients: set = set()
        self.task_group = tg
        self.closing = 0

    async def _remove_client(self, client: Any) -> None:
        self.clients.discard(client)
        if not self.clients:
            self.closing += 1


def cell(nb: YNotebook, i: int) -> dict:
    return nb.ycells[i].to_py()


async def until(predicate, timeout: float = 10) -> None:
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.01)
