"""Tests of the jupyverse module; they run in .venv-jupyverse (scripts/test.sh),
on real pycrdt documents (jupyter_ydoc's YNotebook) and a real ipykernel."""

import pytest


@pytest.fixture
def anyio_backend():
    return "asyncio"
