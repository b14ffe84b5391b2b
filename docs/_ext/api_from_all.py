"""The API reference is generated from `fasttile.__all__`: before Sphinx reads any page,
docs/api.rst is (re)written with one autosummary entry per public name, and autosummary
makes a page for each. A name added to `__all__` (wherever the restructure moves its
module) gets its page without editing the docs. docs/api.rst is generated: not in git."""

from __future__ import annotations

import inspect
from pathlib import Path

HEADER = """\
API reference
=============

.. This file is generated from fasttile.__all__ by docs/_ext/api_from_all.py: do not edit.

Every public name of the ``fasttile`` package (``fasttile.__all__``), one page each.
The render options every function takes are described once, in :doc:`options`.

"""

SECTIONS = (
    ("Functions", lambda obj: inspect.isfunction(obj) or inspect.isbuiltin(obj)),
    ("Classes and exceptions", inspect.isclass),
    ("Constants", lambda obj: not callable(obj)),
)


def write_api_page(docs: Path) -> list[str]:
    import fasttile

    names = list(fasttile.__all__)
    text = HEADER
    seen: set[str] = set()
    for title, belongs in SECTIONS:
        chosen = sorted((n for n in names if n not in seen and belongs(getattr(fasttile, n))), key=str.lower)
        if not chosen:
            continue
        seen.update(chosen)
        text += f"{title}\n{'-' * len(title)}\n\n.. autosummary::\n   :toctree: generated/api\n\n"
        text += "".join(f"   fasttile.{n}\n" for n in chosen) + "\n"
    missing = sorted(set(names) - seen)
    if missing:  # every name must land in a section, or it would silently lose its page
        raise RuntimeError(f"api_from_all: no section for {missing}")
    path = docs / "api.rst"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return names


def setup(app):  # noqa: ANN001, ANN201 (Sphinx's extension protocol)
    # At import of the extension (while conf.py is read), before Sphinx lists the
    # documents and before autosummary scans them for entries to generate.
    write_api_page(Path(app.confdir))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
