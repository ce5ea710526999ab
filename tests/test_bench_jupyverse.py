"""The benchmark's jupyverse page-config hook (bench/jupyverse_bench.py): each
bench workspace gets exactly one cell executor, other pages are untouched."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("jupyverse_bench", ROOT / "bench" / "jupyverse_bench.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

# What jupyverse puts in every page: each installed extension's
# package.json disabledExtensions, ours included.
OURS = json.loads((ROOT / "package.json").read_text())["jupyterlab"]["disabledExtensions"]
SERVER_LIST = ["@some/other:plugin", *OURS]


def page(workspace, disabled=SERVER_LIST):
    return {
        "workspace": workspace,
        "disabledExtensions": list(disabled),
        "exposeAppInBrowser": False,
    }


def test_stock_gets_jupyterlabs_executor_only():
    config = page("bench--stock--1-1")
    bench.bench_page_config(config)
    disabled = set(config["disabledExtensions"])
    assert bench.CORE not in disabled
    assert {bench.HANDOFF, bench.DOCPROVIDER} <= disabled
    assert "@some/other:plugin" in disabled
    assert config["exposeAppInBrowser"] is True
    assert config["benchExecutor"] == "stock"


def test_collaboration_gets_its_own_executor_only():
    config = page("bench--jupyter-collaboration--1-2")
    bench.bench_page_config(config)
    disabled = set(config["disabledExtensions"])
    assert bench.DOCPROVIDER not in disabled
    assert {bench.HANDOFF, bench.CORE} <= disabled
    assert config["benchExecutor"] == "jupyter-collaboration"


def test_handoff_keeps_the_servers_list():
    config = page("bench--handoff--1-3")
    bench.bench_page_config(config)
    assert config["disabledExtensions"] == SERVER_LIST
    assert config["benchExecutor"] == "handoff"


def test_handoff_refuses_a_list_without_our_entries():
    with pytest.raises(bench.BenchConfigError):
        bench.bench_page_config(page("bench--handoff--1-4", ["@some/other:plugin"]))


def test_unknown_executor_is_refused():
    with pytest.raises(bench.BenchConfigError):
        bench.bench_page_config(page("bench--nbmodel-frontend--1-5"))


@pytest.mark.parametrize("workspace", ["default", "bench-1-1", "mine--stock--1"])
def test_other_pages_are_untouched(workspace):
    config = page(workspace)
    bench.bench_page_config(config)
    assert config == page(workspace)
