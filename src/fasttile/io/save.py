"""fasttile.save: render and write in one streaming pass, the format chosen by the
path's extension. The whole mosaic is never held: bands are drawn into the writer's
own buffers and written as they are finished, and the file appears under its name
only when complete."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from ..api import as_mosaic
from ..tiling.mosaic import Mosaic
from ..tiling.options import takes_render_options
from .captions import plan_captions
from .registry import Writer, writer_for, writers

if TYPE_CHECKING:  # the typed keywords, for type checkers only
    from typing_extensions import Unpack

    from ..tiling.typed_options import BandOptions


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


@takes_render_options(exclude=("out",))
def save(
    weights: Any,
    path: Union[str, os.PathLike],
    *,
    level: Union[str, int, None] = None,
    compression: Optional[str] = None,
    captions: Any = None,
    rows: Optional[int] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
    **options: Unpack[BandOptions],
) -> SaveInfo:
    """Render `weights` (same options as render, or a ready fasttile.Mosaic) and write
    it to `path`, the format chosen by the extension: .png (`level` "fast", "small",
    "none" or a zlib-style 0..9), .tif/.tiff (tiled, BigTIFF past 4 GB; `compression`
    None, "zlib" or "zstd"), or .npy (a memory-mappable uint8 array of any size).

    `captions` ("index", "norm" or one string per shown tile) are burned into the
    tiles (fasttile.draw_captions). `rows` sets the grid rows per band. progress(done_rows,
    total_rows) is called as bands are written; an exception it raises
    (KeyboardInterrupt included) aborts the write and leaves no file behind. Returns a
    SaveInfo.
    """
    started = time.perf_counter()
    writer = writer_for(path)
    fmt_options = format_options(writer, level=level, compression=compression)
    m = as_mosaic(weights, options)
    if captions is not None:
        m = captioned(m, captions)
    writer.write(path, m, progress=progress, rows=rows, threads=m.threads, **fmt_options)
    return SaveInfo(
        Path(path),
        Path(path).suffix.lower().lstrip("."),
        m.shape,
        m.nrows,
        m.ncols,
        m.tiles,
        os.path.getsize(path),
        time.perf_counter() - started,
    )


def format_options(writer: Writer, **given: Any) -> dict:
    """The format options given that `writer` takes; one it does not take is refused,
    naming the formats that do."""
    for name, value in given.items():
        if value is not None and name not in writer.options:
            takers = sorted({w.name.upper() for w in writers() if name in w.options})
            takes = (
                f"{writer.name.upper()} takes {', '.join(writer.options)}"
                if writer.options
                else (f"{writer.name.upper()} takes no format option")
            )
            raise ValueError(f"{name} applies to {' and '.join(takers)}; {takes}")
    return {k: v for k, v in given.items() if v is not None}


def captioned(m: Mosaic, captions: Any) -> Mosaic:
    """The same mosaic with captions burned into every window it draws."""
    plan = plan_captions(m, captions)
    copy = object.__new__(type(m))
    copy.__dict__.update(m.__dict__)
    base_draw = m._draw

    def draw(win, out):
        drawn = base_draw(win, out)
        return plan.draw(drawn, win.top, win.left)

    copy._draw = draw
    return copy
