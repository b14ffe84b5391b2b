"""HOOK for the render-option table (issue 19 / the restructure).

The lead is building one table of render options from which the signatures and the
command-line flags are generated. When it lands as `fasttile.options` exposing
`OPTIONS` (an iterable of objects with `name`, `default` and `doc`, and optionally
`flag`, `choices`), the directive below renders it as the one documented list of
options; until then it falls back to pointing at the README's table, so the docs
build either way. Adapt `_rows` to the table's real shape when it lands.

    .. fasttile-options::
"""

from __future__ import annotations

import importlib
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive


def _rows(table: Any) -> list[tuple[str, str, str]]:
    rows = []
    for option in getattr(table, "OPTIONS", ()):
        name = getattr(option, "name", str(option))
        default = getattr(option, "default", "")
        doc = getattr(option, "doc", "") or ""
        rows.append((name, repr(default), doc))
    return rows


class OptionsTable(Directive):
    has_content = False

    def run(self) -> list[nodes.Node]:
        try:
            table = importlib.import_module("fasttile.options")
        except ImportError:
            table = None
        rows = _rows(table) if table is not None else []
        if not rows:
            para = nodes.paragraph(
                text="The options are listed in the README's Options table (this list will be "
                "generated from fasttile's option table once it exists)."
            )
            return [para]
        tgroup = nodes.tgroup(cols=3)
        for width in (20, 20, 60):
            tgroup += nodes.colspec(colwidth=width)
        head = nodes.thead()
        row = nodes.row()
        for title in ("option", "default", "meaning"):
            row += nodes.entry("", nodes.paragraph(text=title))
        head += row
        tgroup += head
        body = nodes.tbody()
        for name, default, doc in rows:
            row = nodes.row()
            row += nodes.entry("", nodes.paragraph("", "", nodes.literal(text=name)))
            row += nodes.entry("", nodes.paragraph("", "", nodes.literal(text=default)))
            row += nodes.entry("", nodes.paragraph(text=doc))
            body += row
        tgroup += body
        return [nodes.table("", tgroup)]


def setup(app):  # noqa: ANN001, ANN201 (Sphinx's extension protocol)
    app.add_directive("fasttile-options", OptionsTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
