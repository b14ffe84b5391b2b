"""PNG output of fasttile.save: bands deflated in parallel (codecs/png.py)."""

from __future__ import annotations

from typing import Any

from ..codecs import png
from .registry import Writer, register_writer


def write(
    path: Any, m: Any, *, progress: Any = None, rows: Any = None, threads: Any = None, level: Any = None
) -> None:
    png.write_png(
        path, m, level="fast" if level is None else level, rows=rows, progress=progress, threads=threads
    )


register_writer(Writer("png", (".png",), write, ("level",)))
