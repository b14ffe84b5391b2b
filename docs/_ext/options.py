"""The render options, documented once: the `fasttile-options` directive renders the
option table (fasttile/tiling/options.py) that render's signature, every verb's
signature and the command-line flags are also made from.

    .. fasttile-options::
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive


def _rows() -> list[tuple[str, str, str]]:
    from fasttile.cli.flags import flag
    from fasttile.tiling.options import RENDER_OPTIONS

    return [
        (f"{o.name}={o.default!r}", o.type, o.doc + (f"  Flag: {flag(o.name)}." if o.flag else ""))
        for o in RENDER_OPTIONS
    ]


class OptionsTable(Directive):
    has_content = False

    def run(self) -> list[nodes.Node]:
        rows = _rows()
        tgroup = nodes.tgroup(cols=3)
        for width in (20, 20, 60):
            tgroup += nodes.colspec(colwidth=width)
        head = nodes.thead()
        row = nodes.row()
        for title in ("option", "type", "meaning"):
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
