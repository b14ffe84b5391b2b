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
import struct
import zlib
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

import numpy as np

from ._atomic import atomic_path
from .mosaic import as_mosaic
from .png import chunk_bytes

TILE = 256
FORMATS = ("png", "webp")
VIEWER_FILES = ("viewer.js", "site.js", "viewer.css", "leaflet/leaflet.js", "leaflet/leaflet.css")
Progress = Callable[[int, int], None]


def level_sizes(height: int, width: int) -> list[tuple[int, int]]:
    """(height, width) of every zoom level, zoom 0 (fits one tile) first."""
    sizes = [(height, width)]
    while max(sizes[0]) > TILE:
        h, w = sizes[0]
        sizes.insert(0, (-(-h // 2), -(-w // 2)))
    return sizes


def _reduce_blocks(band: np.ndarray, out: np.ndarray, x0: int, x1: int) -> None:
    """Whole 2x2 blocks of band[:, x0:x1] (x0, x1 even) into out[:, x0/2:x1/2]."""
    rows = band.shape[0] - band.shape[0] % 2
    for y in range(0, rows, 32):  # 32 rows at a time: small uint16 temporaries
        b = band[y : min(y + 32, rows), x0:x1]
        total = b[0::2, 0::2].astype(np.uint16)
        total += b[1::2, 0::2]
        total += b[0::2, 1::2]
        total += b[1::2, 1::2]
        total += 2
        out[y // 2 : y // 2 + total.shape[0], x0 // 2 : x1 // 2] = total >> 2


def reduce2(band: np.ndarray) -> np.ndarray:
    """2x2 area average of a uint8 band (rows, cols[, 3]), rounded half up; an odd last
    row or column counts twice (so its pairs average as (a + b + 1) // 2). One pass in
    the compiled kernel (GIL released); reduce2_numpy is the reference and fallback."""
    from ._native_backend import _core

    pixel = 3 if band.ndim == 3 else 1
    if _core is not None and band.strides[1] == pixel and band.strides[-1] == 1 and band.strides[0] > 0:
        return _core.reduce2(band)
    return reduce2_numpy(band)


def reduce2_numpy(band: np.ndarray) -> np.ndarray:
    """reduce2 in NumPy, 32 rows at a time, without copying the band to pad it."""
    h, w = band.shape[:2]
    out = np.empty((-(-h // 2), -(-w // 2)) + band.shape[2:], dtype=np.uint8)
    even_w = w - w % 2
    _reduce_blocks(band, out, 0, even_w)
    if w % 2:  # the last column, repeated
        col = band[: h - h % 2, -1].astype(np.uint16)
        out[: h // 2, -1] = (col[0::2] + col[1::2] + 1) >> 1
    if h % 2:  # the last row, repeated
        row = band[-1, :even_w].astype(np.uint16)
        out[-1, : even_w // 2] = (row[0::2] + row[1::2] + 1) >> 1
    if h % 2 and w % 2:
        out[-1, -1] = band[-1, -1]
    return out


class _Level:
    """One zoom level: gathers rows into a 256-row band, cuts each full band into tiles
    and hands its 2x2 reduction to the next coarser level."""

    def __init__(self, zoom: int, width: int, channels: int, sink: Any, coarser: Optional[_Level]):
        self.zoom = zoom
        self.band = np.empty((TILE, width) + ((3,) if channels == 3 else ()), dtype=np.uint8)
        self.filled = 0
        self.tile_row = 0
        self.sink = sink
        self.coarser = coarser

    def push(self, rows: np.ndarray) -> None:
        start = 0
        while start < len(rows):
            take = min(TILE - self.filled, len(rows) - start)
            self.band[self.filled : self.filled + take] = rows[start : start + take]
            self.filled += take
            start += take
            if self.filled == TILE:
                self._flush()

    def finish(self) -> None:
        if self.filled:
            self._flush()
        if self.coarser is not None:
            self.coarser.finish()

    def _flush(self) -> None:
        band = self.band[: self.filled]
        self.sink.band(self.zoom, self.tile_row, band)
        if self.coarser is not None:
            self.coarser.push(reduce2(band))
        self.tile_row += 1
        self.filled = 0


def _choose_filter(rows: np.ndarray, lib: Any) -> tuple[int, bool]:
    """(PNG filter, store): None (0) or Up (2), whichever deflates a sample of rows (every
    16th, with the row above each for Up) smaller, and whether even that shrinks the
    sample by less than 15% (noise: store it, as save's "fast" level does)."""
    if len(rows) < 2:
        return 0, False
    raw = np.ascontiguousarray(rows[1::16])
    up = raw - rows[0:-1:16][: len(raw)]
    size_raw, size_up = len(lib.compress(raw, 1)), len(lib.compress(up, 1))
    kind = 2 if size_up < size_raw else 0
    return kind, min(size_raw, size_up) > 0.85 * raw.nbytes


def encode_tile(tile: np.ndarray, level: str = "fast") -> bytes:
    """A 256-pixel tile as PNG with one deflate of the whole, after deflating a 1/16
    sample to choose Up or no filter, or to store noise. png.encode_png's band machinery
    (pipeline, filter trials) costs about twice as much per tile, and a pyramid has
    tens of thousands of tiles."""
    from ._deflate import FAST, _small_library

    h, w = tile.shape[:2]
    channels = 3 if tile.ndim == 3 else 1
    rows = tile.reshape(h, w * channels)
    lib, number = (zlib, 0) if level == "none" else (_small_library(), 9) if level == "small" else (FAST, 1)
    kind, store = (0, True) if level == "none" else _choose_filter(rows, FAST)
    if store:
        lib, number = zlib, 0
    filtered = np.empty((h, 1 + w * channels), dtype=np.uint8)
    filtered[:, 0] = kind
    if kind == 2:  # Up: each byte minus the byte above (the row above row 0 is zeros)
        filtered[0, 1:] = rows[0]
        np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])
    else:
        filtered[:, 1:] = rows
    header = struct.pack(">IIBBBBB", w, h, 8, 2 if channels == 3 else 0, 0, 0, 0)
    idat = lib.compress(filtered, number)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk_bytes(b"IHDR", header)
        + chunk_bytes(b"IDAT", idat)
        + chunk_bytes(b"IEND", b"")
    )


def _encoder(fmt: str, compress_level: int) -> Callable[[np.ndarray], bytes]:
    if fmt == "png":
        from .png import check_level

        level = check_level(compress_level)
        return lambda tile: encode_tile(tile, level)
    from io import BytesIO

    from ._extras import require

    Image = require("PIL.Image", "webp", "WebP tiles")

    def encode(tile: np.ndarray) -> bytes:  # lossless WebP keeps every pixel
        buf = BytesIO()
        image = Image.fromarray(np.ascontiguousarray(tile), mode="L" if tile.ndim == 2 else "RGB")
        image.save(buf, format="WEBP", lossless=True, quality=0, method=0)
        return buf.getvalue()

    return encode


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
            coarser = _Level(zoom, w, channels, writer, coarser)
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
    """Refuse to replace anything but an empty folder or an earlier pyramid."""
    if os.path.exists(folder):
        if not os.path.isdir(folder):
            raise ValueError(f"{folder} exists and is not a folder")
        if not _is_replaceable(os.fspath(folder)):
            raise ValueError(f"{folder} is not empty and holds no fasttile pyramid; choose another folder")
    parent = os.path.dirname(os.path.abspath(os.fspath(folder)))
    os.makedirs(parent, exist_ok=True)


def manifest_of(m: Any, *, title: Optional[str], fmt: str, sidecar: dict) -> dict:
    from . import __version__

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


def _check_format(fmt: str, compress_level: int) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    from .png import check_level

    check_level(compress_level)  # "fast", "small", "none" or 0..9, as fasttile.save


def pyramid(
    weights: Any,
    folder: Union[str, os.PathLike],
    *,
    format: str = "png",
    compress_level: Union[str, int] = 1,
    title: Optional[str] = None,
    labels: Optional[Sequence[str]] = None,
    dead_norm: Optional[float] = None,
    progress: Optional[Progress] = None,
    **render_options: Any,
) -> PyramidInfo:
    """Write a zoomable pyramid of the mosaic of `weights` (same options as render) to
    `folder`, with index.html (a viewer that opens from file://), the per-tile facts it
    shows on hover and a manifest of the geometry.

    format: "png" (default) or "webp" (lossless). labels: one string per bank unit,
    shown on hover. dead_norm: tiles with an L2 norm at most this (or constant) are
    dead (default: 1e-3 of the largest tile norm). progress(done, total) is called as
    image tiles are written.
    """
    from ._render import _threads
    from .sidecar import check_labels

    _check_format(format, compress_level)
    m = as_mosaic(weights, dict(render_options))
    check_labels(labels, m.view.units)
    _check_target(folder)
    encode = _encoder(format, compress_level)
    threads = _threads(render_options.get("threads"))
    with atomic_path(folder, directory=True) as temp:  # the old pyramid or the new one, never half
        building = os.fspath(temp)
        os.chmod(building, 0o755)  # a site others may read (mkdtemp makes it private)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fasttile-sidecar") as aside:
            # the statistics pass (the kernel, GIL released) runs beside the tiles
            facts = aside.submit(
                write_sidecar_for, building, m, labels=labels, dead_norm=dead_norm, threads=1
            )
            tiles = os.path.join(building, "tiles")
            written = write_levels(
                m.strips(), m.shape, tiles, fmt=format, encode=encode, threads=threads, progress=progress
            )
            sidecar = facts.result()
        manifest = manifest_of(m, title=title, fmt=format, sidecar=sidecar)
        copy_viewer(building)
        write_manifest(building, manifest)
    return PyramidInfo(
        os.path.abspath(os.fspath(folder)), m.shape, manifest["max_zoom"], written, sidecar["dead_tiles"]
    )


def write_sidecar_for(folder: str, m: Any, **options: Any) -> dict:
    from .sidecar import write_sidecar

    return write_sidecar(folder, m.view, np.asarray(m.units, dtype=np.int64), **options)


class _Keep:
    """A band sink that keeps the bands of one zoom level (for previews)."""

    def __init__(self, zoom: int):
        self.zoom = zoom
        self.bands: list[np.ndarray] = []

    def band(self, zoom: int, tile_row: int, band: np.ndarray) -> None:
        if zoom == self.zoom:
            self.bands.append(band.copy())


def downscaled(strips: Any, shape: tuple[int, ...], steps: int) -> np.ndarray:
    """The mosaic halved `steps` times by the pyramid's rule, streamed from its strips:
    the same pixels as the pyramid's zoom max_zoom - steps."""
    keep = _Keep(0)
    coarser = None
    width = shape[1]
    widths = [width]
    for _ in range(steps):
        widths.append(-(-widths[-1] // 2))
    for zoom, w in enumerate(reversed(widths)):
        coarser = _Level(zoom, w, 3 if len(shape) == 3 else 1, keep, coarser)
    assert coarser is not None
    for _, pixels in strips:
        coarser.push(pixels)
    coarser.finish()
    return np.concatenate(keep.bands)
