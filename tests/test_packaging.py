"""The Python package and the labextension it ships agree on their names."""

import json
import tomllib
from pathlib import Path

import jupyterlab_handoff

ROOT = Path(__file__).resolve().parent.parent


def npm_name():
    return json.loads((ROOT / "package.json").read_text())["name"]


def test_labextension_dest_is_the_npm_package_name():
    # JupyterLab finds the extension (and its settings) under this folder;
    # jupyverse lists settings only for scoped names.
    (path,) = jupyterlab_handoff._jupyter_labextension_paths()
    assert path["dest"] == npm_name()
    assert npm_name().startswith("@")


def test_wheel_installs_the_labextension_under_the_npm_name():
    shared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"][
        "targets"
    ]["wheel"]["shared-data"]
    assert shared["jupyterlab_handoff/labextension"] == (
        f"share/jupyter/labextensions/{npm_name()}"
    )
    assert shared["install.json"] == f"share/jupyter/labextensions/{npm_name()}/install.json"


def test_settings_schema_ids_start_with_the_package_name():
    schemas = sorted(p.stem for p in (ROOT / "schema").glob("*.json"))
    assert schemas, "no settings schema"
    source = "".join(p.read_text() for p in (ROOT / "src").rglob("*.ts"))
    for schema in schemas:
        assert f"'{npm_name()}:{schema}'" in source
