"""fasttile.save: render and write in one streaming pass, the format chosen by the
path's extension. The whole mosaic is never held: bands are drawn into the writer's
own buffers and written as they are finished, and the file appears under its name
only when complete."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Union

from ..api import as_mosaic
from ..tiling.mosaic import Mosaic

WRITERS: dict[str, Callable[..., None]] = {}


def writer(*extensions: str):
    """Register a writer(path, mosaic, *, progress, threads, **format_options)."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        for ext in extensions:
            WRITERS[ext] = fn
        return fn

    return register


@dataclass(frozen=True)
class SaveInfo:
    """What save wrote: small, so that saving a huge mosaic returns nothing huge."""

    path: Path
    format: str
    shape: tuple[int, ...]
    nrows: int
    ncols: int
    tiles: int
    bytes: int
    seconds: float


def output_format(path: Union[str, os.PathLike]) -> str:
    """The writer for `path`'s extension; ValueError listing the formats otherwise."""
    from . import writers as _writers  # noqa: F401  (registers the built-in writers)

    ext = Path(path).suffix.lower()
    if ext not in WRITERS:
        known = ", ".join(sorted(WRITERS))
        shown = f"extension {ext!r}" if ext else "no extension"
        raise ValueError(
            f"cannot write {os.fspath(path)!r} ({shown}): fasttile writes {known} "
            "(and zarr stores: fasttile.to_zarr, or -o NAME.zarr on the command line)"
        )
    return ext


def save(
    weights: Any,
    path: Union[str, os.PathLike],
    *,
    level: Union[str, int, None] = None,
    compress_level: Optional[int] = None,
    compression: Optional[str] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
    rows: Optional[int] = None,
    labels: Any = None,
    **options: Any,
) -> SaveInfo:
    """Render `weights` (same options as render, or a ready fasttile.Mosaic) and write
    it to `path`: .png (level "fast", "small" or "none"; compress_level 0..9 is the
    same as a number), .tif/.tiff (tiled, BigTIFF past 4 GB; compression None,
    "zlib" or "zstd"), or .npy (a memory-mappable uint8 array of any size).

    progress(done_rows, total_rows) is called as bands are written; an exception it
    raises (KeyboardInterrupt included) aborts the write and leaves no file behind.
    `rows` sets the grid rows per band. labels ("index", "norm" or one string per
    shown tile) burns captions into the tiles (fasttile.labels). Returns a SaveInfo.
    """
    started = time.perf_counter()
    ext = output_format(path)
    m = as_mosaic(weights, options)
    if labels is not None:
        m = labelled(m, labels)
    fmt_options = _format_options(ext, level, compress_level, compression)
    WRITERS[ext](path, m, progress=progress, rows=rows, threads=m.threads, **fmt_options)
    return SaveInfo(
        Path(path),
        ext.lstrip("."),
        m.shape,
        m.nrows,
        m.ncols,
        m.tiles,
        os.path.getsize(path),
        time.perf_counter() - started,
    )


def labelled(m: Mosaic, labels: Any) -> Mosaic:
    """The same mosaic with captions burned into every window it draws."""
    from .labels import plan_labels

    plan = plan_labels(m, labels)
    copy = object.__new__(type(m))
    copy.__dict__.update(m.__dict__)
    base_draw = m._draw

    def draw(win, out):
        drawn = base_draw(win, out)
        return plan.draw(drawn, win.top, win.left)

    copy._draw = draw
    return copy


def _format_options(ext: str, level: Any, compress_level: Any, compression: Any) -> dict:
    if level is not None and compress_level is not None:
        raise ValueError("pass level or compress_level, not both")
    level = compress_level if level is None else level
    if ext == ".png":
        if compression is not None:
            raise ValueError("compression applies to TIFF; PNG takes level='fast', 'small' or 'none'")
        return {"level": "fast" if level is None else level}
    if level is not None:
        raise ValueError(f"level applies to PNG; {ext} takes compression= (TIFF) or nothing (.npy)")
    return {"compression": compression} if ext in (".tif", ".tiff") else {}
