"""fasttile.pyramid: a zoomable tile pyramid of a mosaic, with a viewer that opens from file://.

The layout is Leaflet's z/x/y under CRS.Simple: `tiles/{z}/{x}/{y}.png`, 256-pixel tiles,
zoom `max_zoom` shows the mosaic pixel for pixel and each lower zoom halves it, down to
zoom 0 which fits in one tile. Level sizes round up (ceil(n / 2)); edge tiles are as
small as the level is (Deep Zoom's convention), never padded.

Coarser levels are 2x2 area averages of the level below, rounded half up:
(a + b + c + d + 2) // 4 per channel; an odd last row or column is averaged with
itself (as if repeated). Levels are built as the mosaic streams past, a 256-row band
per level, so memory stays a few strips whatever the mosaic's size.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

import numpy as np

from .._atomic import atomic_path
from .._extras import require
from .._version import __version__
from ..api import as_mosaic
from ..codecs.levels import TILE, Level, level_sizes
from ..codecs.png import check_level
from ..codecs.tile_png import encode_tile
from ..io.registry import extensions
from ..kernel.backends import thread_count
from ..tiling.options import takes_render_options
from ..tiling.selection import dead_mode
from .sidecar import check_labels, write_sidecar

if TYPE_CHECKING:  # the typed keywords, for type checkers only
    from typing_extensions import Unpack

    from ..tiling.typed_options import DrawOptions

VIEWER_FILES = ("viewer.js", "site.js", "viewer.css", "leaflet/leaflet.js", "leaflet/leaflet.css")


def _png_tiles(level: Union[str, int, None]) -> Callable[[np.ndarray], bytes]:
    checked = check_level(level)
    return lambda tile: encode_tile(tile, checked)


def _webp_tiles(level: Union[str, int, None]) -> Callable[[np.ndarray], bytes]:
    Image = require("PIL.Image", "webp", "WebP tiles")

    def encode(tile: np.ndarray) -> bytes:  # lossless WebP keeps every pixel
        buf = BytesIO()
        image = Image.fromarray(np.ascontiguousarray(tile), mode="L" if tile.ndim == 2 else "RGB")
        image.save(buf, format="WEBP", lossless=True, quality=0, method=0)
        return buf.getvalue()

    return encode


# The tile formats, by the extension of the tile files: an encoder factory each.
TILE_ENCODERS: dict[str, Callable[[Union[str, int, None]], Callable[[np.ndarray], bytes]]] = {
    ".png": _png_tiles,
    ".webp": _webp_tiles,
}


def _encoder(fmt: str, level: Union[str, int, None]) -> Callable[[np.ndarray], bytes]:
    return TILE_ENCODERS["." + fmt](level)


class _TileWriter:
    """Cuts bands into tiles and encodes and writes them on a thread pool, a batch of up
    to BATCH tiles per task (one hand-off per batch, not per tile: thread wake-ups cost
    milliseconds on a busy machine), with a bounded number of batches in flight."""

    BATCH = 16

    def __init__(self, root: str, fmt: str, encode: Callable, threads: int, total: int, progress):
        self.root, self.fmt, self.encode = root, fmt, encode
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fasttile-tile")
        self.pending: deque[tuple[Future, int]] = deque()
        self.limit = 2 * threads
        self.done, self.total, self.progress = 0, total, progress

    def band(self, zoom: int, tile_row: int, band: np.ndarray) -> None:
        span = self.BATCH * TILE
        for x0 in range(0, band.shape[1], span):
            pixels = band[:, x0 : x0 + span].copy()  # a copy: the band is reused
            while len(self.pending) >= self.limit:
                self._retire()
            task = self.pool.submit(self._write, zoom, x0 // TILE, tile_row, pixels)
            self.pending.append((task, -(-pixels.shape[1] // TILE)))

    def _write(self, zoom: int, first_col: int, tile_row: int, pixels: np.ndarray) -> None:
        for k, x0 in enumerate(range(0, pixels.shape[1], TILE)):
            data = self.encode(pixels[:, x0 : x0 + TILE])  # encoders accept row-strided tiles
            path = os.path.join(self.root, str(zoom), str(first_col + k), f"{tile_row}.{self.fmt}")
            with open(path, "wb") as f:
                f.write(data)

    def _retire(self) -> None:
        task, count = self.pending.popleft()
        task.result()  # re-raises an encoder or disk error here
        self.done += count
        if self.progress is not None:
            self.progress(self.done, self.total)

    def close(self) -> None:
        try:
            while self.pending:
                self._retire()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class PyramidInfo:
    path: str
    shape: tuple[int, ...]
    max_zoom: int
    tiles_written: int
    dead_tiles: int


def _tile_count(sizes: list[tuple[int, int]]) -> int:
    return sum(-(-h // TILE) * -(-w // TILE) for h, w in sizes)


def _make_dirs(root: str, sizes: list[tuple[int, int]]) -> None:
    for zoom, (_, w) in enumerate(sizes):
        for tile_col in range(-(-w // TILE)):
            os.makedirs(os.path.join(root, str(zoom), str(tile_col)))


def write_levels(
    strips: Any, shape: tuple[int, ...], root: str, *, fmt: str, encode: Callable, threads: int, progress
) -> int:
    """Stream (y0, pixels) strips covering the mosaic into tiles under root/{z}/{x}/{y}."""
    sizes = level_sizes(shape[0], shape[1])
    channels = 3 if len(shape) == 3 else 1
    _make_dirs(root, sizes)
    total = _tile_count(sizes)
    writer = _TileWriter(root, fmt, encode, threads, total, progress)
    try:
        coarser = None
        for zoom, (_, w) in enumerate(sizes):
            coarser = Level(zoom, w, channels, writer, coarser)
        finest = coarser
        assert finest is not None
        expect = 0
        for y0, pixels in strips:
            if y0 != expect:
                raise RuntimeError(f"strips out of order: expected row {expect}, got {y0}")
            finest.push(pixels)
            expect += len(pixels)
        finest.finish()
    finally:
        writer.close()
    return total


def _viewer_dir() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "viewer")


def copy_viewer(folder: str) -> None:
    """index.html and the viewer's scripts (Leaflet and its licence included)."""
    source = _viewer_dir()
    shutil.copyfile(os.path.join(source, "index.html"), os.path.join(folder, "index.html"))
    os.makedirs(os.path.join(folder, "fasttile", "leaflet"))
    for name in VIEWER_FILES + ("leaflet/LICENSE",):
        shutil.copyfile(os.path.join(source, name), os.path.join(folder, "fasttile", name))


_MARKER = "FasttileSite.manifest("


def write_manifest(folder: str, manifest: dict) -> None:
    text = f"{_MARKER}{json.dumps(manifest, ensure_ascii=True, sort_keys=True)});\n"
    with open(os.path.join(folder, "manifest.js"), "w", encoding="ascii") as f:
        f.write(text)


def read_manifest(folder: Union[str, os.PathLike]) -> dict:
    """The geometry a pyramid folder was written with."""
    with open(os.path.join(folder, "manifest.js"), encoding="ascii") as f:
        text = f.read().strip()
    if not (text.startswith(_MARKER) and text.endswith(");")):
        raise ValueError(f"{folder} holds no fasttile manifest")
    return json.loads(text[len(_MARKER) : -2])


def _is_replaceable(folder: str) -> bool:
    """An empty folder, or one this function wrote before."""
    if not os.listdir(folder):
        return True
    try:
        read_manifest(folder)
        return True
    except (OSError, ValueError):
        return False


def _check_target(folder: Union[str, os.PathLike]) -> None:
    """Refuse to replace anything but an empty folder or an earlier pyramid, and a
    folder named like an image file (a pyramid is a folder of tiles and a viewer)."""
    if Path(folder).suffix.lower() in extensions():
        raise ValueError(
            f"{os.fspath(folder)} names an image file, but a pyramid is a folder; choose a folder name"
        )
    if os.path.exists(folder):
        if not os.path.isdir(folder):
            raise ValueError(f"{folder} exists and is not a folder")
        if not _is_replaceable(os.fspath(folder)):
            raise ValueError(f"{folder} is not empty and holds no fasttile pyramid; choose another folder")
    parent = os.path.dirname(os.path.abspath(os.fspath(folder)))
    os.makedirs(parent, exist_ok=True)


def manifest_of(m: Any, *, title: Optional[str], fmt: str, sidecar: dict) -> dict:
    return {
        "fasttile": __version__,
        "title": "" if title is None else str(title),
        "height": m.shape[0],
        "width": m.shape[1],
        "channels": m.channels,
        "nrows": m.nrows,
        "ncols": m.ncols,
        "padding": m.padding,
        "tile_height": m.tile_height,
        "tile_width": m.tile_width,
        "cell_height": m.cell_height,
        "cell_width": m.cell_width,
        "column_fill": bool(m.column_fill),
        "tiles": int(m.tiles),
        "inner": int(m.view.shape[1]),
        "bank_units": int(m.view.units),
        "max_zoom": len(level_sizes(m.shape[0], m.shape[1])) - 1,
        "tile_size": TILE,
        "format": fmt,
        "sidecar": sidecar,
    }


def _tile_format(tiles: str, level: Union[str, int, None]) -> str:
    """ "png" or "webp" from tiles=".png" / ".webp" (the dot optional), the level checked."""
    ext = "." + str(tiles).lower().lstrip(".")
    if ext not in TILE_ENCODERS:
        raise ValueError(f"tiles must be one of {', '.join(TILE_ENCODERS)}, got {tiles!r}")

    check_level(level)  # "fast", "small", "none" or 0..9, as fasttile.save
    return ext[1:]


@takes_render_options(exclude=("out",))
def pyramid(
    weights: Any,
    folder: Union[str, os.PathLike],
    *,
    tiles: str = ".png",
    level: Union[str, int, None] = None,
    title: Optional[str] = None,
    labels: Optional[Sequence[str]] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
    **options: Unpack[DrawOptions],
) -> PyramidInfo:
    """Write a zoomable pyramid of the mosaic of `weights` (same options as render) to
    `folder`, with index.html (a viewer that opens from file://), the per-tile facts it
    shows on hover and a manifest of the geometry.

    tiles: the tile files' format by extension, ".png" (default; `level` as save's) or
    ".webp" (lossless). labels: one string per bank unit, shown on hover. Dead tiles
    (dead= as render's; its threshold, when given, also decides which tiles the viewer
    dims) are dimmed on request. progress(done, total) is called as image tiles are
    written.
    """
    fmt = _tile_format(tiles, level)
    m = as_mosaic(weights, dict(options))
    check_labels(labels, m.view.units)
    _check_target(folder)
    encode = _encoder(fmt, level)
    threshold = dead_mode(options.get("dead"))[1]
    with atomic_path(folder, directory=True) as temp:  # the old pyramid or the new one, never half
        building = os.fspath(temp)
        os.chmod(building, 0o755)  # a site others may read (mkdtemp makes it private)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fasttile-sidecar") as aside:
            # the statistics pass (the kernel, GIL released) runs beside the tiles
            facts = aside.submit(
                write_sidecar_for, building, m, labels=labels, dead_norm=threshold, threads=1
            )
            written = write_levels(
                m.strips(),
                m.shape,
                os.path.join(building, "tiles"),
                fmt=fmt,
                encode=encode,
                threads=thread_count(options.get("threads")),
                progress=progress,
            )
            sidecar = facts.result()
        manifest = manifest_of(m, title=title, fmt=fmt, sidecar=sidecar)
        copy_viewer(building)
        write_manifest(building, manifest)
    return PyramidInfo(
        os.path.abspath(os.fspath(folder)), m.shape, manifest["max_zoom"], written, sidecar["dead_tiles"]
    )


def write_sidecar_for(folder: str, m: Any, **options: Any) -> dict:
    return write_sidecar(folder, m.view, np.asarray(m.units, dtype=np.int64), **options)
