"""One version everywhere (src/fasttile/_version.py), and show_versions()."""

from __future__ import annotations

import importlib.metadata
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

import fasttile
from fasttile import _show_versions

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_the_installed_metadata():
    assert fasttile.__version__ == importlib.metadata.version("fasttile")


def test_cli_version_agrees_with_metadata():
    out = subprocess.run(
        [sys.executable, "-m", "fasttile", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == f"fasttile {importlib.metadata.version('fasttile')}"


def test_version_is_written_once():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^dynamic = \[.*"version".*\]', pyproject, re.M)
    assert not re.search(r"^version\s*=", pyproject, re.M), "pyproject.toml must not repeat the version"
    init = (ROOT / "src" / "fasttile" / "__init__.py").read_text()
    assert "__version__ =" not in init
    assert re.search(r'^__version__ = "([^"]+)"$', (ROOT / "src/fasttile/_version.py").read_text(), re.M)


def test_changelog_names_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    first = re.search(r"^## \[?(\d+\.\d+\.\d+[^\] ]*)\]?", changelog, re.M)
    assert first and first.group(1) == fasttile.__version__, "CHANGELOG.md's latest entry is not this version"


def test_show_versions_prints_the_kernel_and_packages():
    buffer = io.StringIO()
    fasttile.show_versions(file=buffer)
    lines = dict(line.strip().split(": ", 1) for line in buffer.getvalue().splitlines())
    info = fasttile.simd_info()
    assert lines["fasttile"] == fasttile.__version__
    assert lines["simd path"] == str(info["path"] if info["path"] else "-")
    assert lines["threads"] == str(info["threads"])
    assert lines["numpy"] == np.__version__
    assert lines["python"] == sys.version.split()[0]
    for name in _show_versions.OPTIONAL:
        try:
            expected = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            expected = "-"
        assert lines[name] == expected, name
    # isal is a core dependency: always found
    assert lines["isal"] != "-"


def test_show_versions_imports_no_optional_package():
    code = (
        "import json, sys, fasttile\n"
        "before = set(sys.modules)\n"
        "fasttile.show_versions(file=open('/dev/null', 'w'))\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    imported = {name.split(".")[0] for name in json.loads(out)}
    heavy = {"torch", "tensorflow", "keras", "jax", "matplotlib", "dask", "distributed", "wandb", "zarr"}
    heavy |= {"scipy", "PIL", "h5py"}
    assert not imported & heavy, imported & heavy


def test_cli_info_prints_show_versions(capsys):
    from fasttile.cli.app import main

    assert main(["info"]) == 0
    printed = capsys.readouterr().out
    buffer = io.StringIO()
    fasttile.show_versions(file=buffer)
    assert printed == buffer.getvalue()
    assert f"fasttile: {fasttile.__version__}" in printed.replace("  ", "")
