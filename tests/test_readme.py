"""The README's Python examples and the package's docstring examples run, so none rots.

Every ```python block of README.md runs, in a fresh namespace in an empty folder,
unless the line before it is a `<!-- skip: next ... -->` comment (sybil's marker; for
examples that need the reader's own model or files). A block that is not marked must be
self-contained: a name it uses but never defines fails here, naming the block's line."""

from __future__ import annotations

import builtins
import doctest
import importlib
import importlib.util
import pkgutil
import re
import symtable
from pathlib import Path

import pytest

import fasttile

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def blocks() -> list[tuple[int, bool, str]]:
    """(line, skipped, code) for every python block of the README."""
    text = README.read_text(encoding="utf-8")
    found = []
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        found.append((line, before.strip().startswith("<!-- skip: next"), match.group(1)))
    return found


def free_names(code: str) -> set[str]:
    """Names the block reads at module level but never binds (builtins aside)."""
    table = symtable.symtable(code, "<readme>", "exec")
    bound = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    used = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    return used - bound - set(dir(builtins))


RUNNABLE = [(line, code) for line, skipped, code in blocks() if not skipped]


def test_the_readme_has_runnable_examples():
    assert len(blocks()) >= 5
    assert len(RUNNABLE) >= 2, "nearly every README example is skipped: make some self-contained"


@pytest.mark.parametrize("line, code", RUNNABLE, ids=[f"README.md:{line}" for line, _ in RUNNABLE])
def test_readme_example_runs(line, code, tmp_path, monkeypatch):
    missing = free_names(code)
    assert not missing, (
        f"README.md:{line} uses {sorted(missing)} without defining them: make the example "
        "self-contained or mark it <!-- skip: next (why) -->"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    compiled = compile(code, f"README.md:{line}", "exec")
    try:
        exec(compiled, {"__name__": "__readme__"})
    except ModuleNotFoundError as error:  # an optional package the example says to install
        pytest.skip(f"README.md:{line} needs {error.name}")
    finally:
        if "matplotlib.pyplot" in __import__("sys").modules:
            __import__("matplotlib.pyplot").pyplot.close("all")


def test_docstring_examples_run():
    """Every `>>>` example in fasttile's modules (those marked +SKIP aside) runs."""
    attempted = failed = 0
    for info in pkgutil.walk_packages(fasttile.__path__, "fasttile."):
        spec = importlib.util.find_spec(info.name)
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            continue
        if ">>>" not in Path(spec.origin).read_text(encoding="utf-8"):
            continue  # import only the modules that have examples
        module = importlib.import_module(info.name)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        for test in doctest.DocTestFinder().find(module):
            runner.run(test)
        result = runner.summarize(verbose=False)
        attempted += result.attempted
        failed += result.failed
    assert failed == 0
    assert attempted >= 3, "no runnable docstring example found"
