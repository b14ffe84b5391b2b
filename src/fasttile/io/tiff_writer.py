"""TIFF output of fasttile.save: tiled, BigTIFF past 4 GB (codecs/tiff.py)."""

from __future__ import annotations

from typing import Any

from ..codecs.tiff import write_tiff
from .registry import Writer, register_writer


def write(
    path: Any, m: Any, *, progress: Any = None, rows: Any = None, threads: Any = None, compression: Any = None
) -> None:
    write_tiff(path, m, compression=compression, progress=progress, threads=threads)


register_writer(Writer("tiff", (".tif", ".tiff"), write, ("compression",)))
