"""The public API under `mypy --strict`: a typed user script passes, a misspelt keyword
fails. mypy reads the installed package (py.typed), as a user's checker would."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import fasttile

pytest.importorskip("mypy", reason="mypy is in the test extra")

HERE = Path(__file__).parent / "typing"


@pytest.fixture(scope="module")
def mypy(tmp_path_factory: pytest.TempPathFactory):
    cache = tmp_path_factory.mktemp("mypy-cache")
    package_parent = Path(fasttile.__file__).resolve().parent.parent
    env = None
    if "site-packages" not in package_parent.parts:
        # An editable or source-tree fasttile: tell mypy where it is (an installed wheel
        # is found on the interpreter's own path, through its py.typed marker).
        import os

        env = dict(os.environ, MYPYPATH=str(package_parent))

    def run(script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "mypy",
                "--strict",
                "--config-file=",
                "--cache-dir",
                str(cache),
                "--follow-imports=silent",
                "--no-error-summary",
                str(HERE / script),
            ],
            capture_output=True,
            text=True,
            cwd=cache,  # no source tree beside it: only the installed package can be found
            env=env,
        )

    return run


def test_py_typed_ships():
    assert Path(fasttile.__file__).with_name("py.typed").is_file()


def test_typed_user_script_passes(mypy):
    result = mypy("ok_user.py")
    assert result.returncode == 0, result.stdout + result.stderr


def _takes_any_keyword(function) -> bool:
    return any(p.kind is p.VAR_KEYWORD for p in inspect.signature(function).parameters.values())


@pytest.mark.xfail(
    _takes_any_keyword(fasttile.save),
    reason="save() still takes **options: its real keyword signature comes from the render-option table",
    strict=True,
)
def test_misspelt_keyword_fails(mypy):
    result = mypy("bad_keyword.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'Unexpected keyword argument "zooom"' in result.stdout, result.stdout
