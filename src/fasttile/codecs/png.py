"""PNG at memory speed: bands filtered and deflated in parallel, written as they finish.

The image is cut into bands of rows (whole grid rows of a Mosaic). Each band is
filtered and compressed on its own, on a worker thread, into raw deflate blocks
ending in a sync flush (see _deflate.py); the bands' blocks, in order, form the one
zlib stream PNG wants, each band in its own IDAT chunk with its CRC. Memory stays a
few bands whatever the image's size, and nothing is held whole.

Levels: "fast" (default) tries None, Sub and Up on a sample of each band, keeps the
best, and stores a band that would not shrink (noise-like banks); "small" also tries
Average, Paeth and the best filter per row, and deflates at level 9; "none" stores.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Optional, Union

import numpy as np

from .._atomic import atomic_path
from ..kernel.backends import default_threads
from . import deflate
from . import png_filters as filters
from .bands import Band, BandSource, band_source
from .file_sink import FileSink
from .pipeline import ordered_map

LEVELS = ("fast", "small", "none")
PNG_SIDE_LIMIT = 2**31 - 1
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHUNK_LIMIT = 1 << 30  # IDAT data per chunk (PNG allows 2^31 - 1)
_BAND_BYTES = 4 << 20  # enough to amortize a kernel call; few in flight keep memory low
_SAMPLE_BYTES = 1 << 17  # per band, to choose its filter
# "fast" stores a band unless deflate saves at least a fifth of its sample: noise-like
# banks save 7-12% at many times the time of the render; smooth learned banks save
# half or more and are deflated (docs/design.md, "PNG").
_FAST_STORE_ABOVE = 0.8
_FAST_STORE_MIN_BYTES = 1 << 20  # below this a band deflates in ~2 ms: storing gains no time
# Before the full sample, "fast" tries the first quarter of it (its first 8 pieces: the
# Weyl sequences make it a prefix) and stores the band when even that sample's best stays
# above this: a noise band's trials then cost a quarter (docs/design.md, "PNG").
_SCREEN_BYTES = _SAMPLE_BYTES // 4
_FAST_SURE_STORE = 0.88

ADAPTIVE = -1  # per row, the best of the five filters
_FAST_CHOICES = (filters.NONE, filters.SUB, filters.UP)
_SMALL_CHOICES = (filters.NONE, filters.SUB, filters.UP, filters.AVERAGE, filters.PAETH, ADAPTIVE)

_GOLDEN = 0.6180339887498949
_ROOT2 = 0.4142135623730951  # sqrt(2) - 1
_PIECE_BYTES = 4096  # of a row, in a filter-choice sample

Progress = Optional[Callable[[int, int], Any]]


def check_level(level: Union[str, int, None]) -> str:
    """The level: "fast" (also for None), "small", "none", or a zlib-style number
    (0 none, 1-5 fast, 6-9 small)."""
    if level is None:
        return "fast"
    if isinstance(level, str) and level in LEVELS:
        return level
    if isinstance(level, int) and not isinstance(level, bool) and 0 <= level <= 9:
        return "none" if level == 0 else "fast" if level <= 5 else "small"
    raise ValueError(f"level must be one of {', '.join(LEVELS)} or an integer 0..9, got {level!r}")


def check_png_size(shape: tuple[int, ...]) -> None:
    height, width = shape[:2]
    if height > PNG_SIDE_LIMIT or width > PNG_SIDE_LIMIT:
        raise ValueError(
            f"the mosaic is {width} x {height} pixels, but PNG allows at most {PNG_SIDE_LIMIT} per side; "
            "write .tif (BigTIFF), .npy or .zarr instead, or a zoomable pyramid (fasttile.pyramid)"
        )


@dataclass
class _Encoded:
    data: list[bytes]  # IDAT data in pieces: the band's deflate blocks (after the zlib header for band 0)
    crc: int  # of b"IDAT" + data
    adler: int  # of the band's filtered bytes
    length: int  # filtered bytes


@dataclass
class _Job:
    band: Band
    buffer: np.ndarray  # (rows, 1 + stride): filter byte, then the raw row
    above: np.ndarray  # raw row before the band


class _Encoder:
    """Filters and deflates one band (runs on a worker thread)."""

    def __init__(self, level: str, bpp: int):
        self.level, self.bpp = level, bpp

    def __call__(self, job: _Job) -> _Encoded:
        rows = job.buffer[: job.band.y1 - job.band.y0]
        payload, stored = self._filtered(rows, job.above)
        data = [] if stored else deflate.raw_deflate(payload, self.level)
        if stored or _size(data) >= payload.nbytes:
            # views of the band's buffer, which is recycled only after it is written
            data = deflate.stored_blocks(payload)
        if job.band.index == 0:
            data.insert(0, deflate.zlib_header(self.level))
        crc = deflate.crc32(b"IDAT")
        for piece in data:
            crc = deflate.crc32(piece, crc)
        return _Encoded(data, crc, deflate.adler32(payload), payload.nbytes)

    def _filtered(self, rows: np.ndarray, above: np.ndarray) -> tuple[np.ndarray, bool]:
        """The band's filtered bytes, and whether to store them rather than deflate."""
        kind = filters.NONE if self.level == "none" else self._choose(rows, above)
        if kind is None or kind == filters.NONE:
            rows[:, 0] = filters.NONE
            return rows, kind is None or self.level == "none"
        return self._apply(kind, rows[:, 1:], above, np.empty_like(rows)), False

    def _apply(self, kind: int, rows: np.ndarray, above: np.ndarray, out: np.ndarray) -> np.ndarray:
        if kind == ADAPTIVE:
            return filters.apply_adaptive(rows, above, self.bpp, out)
        return filters.apply(kind, rows, above, self.bpp, out)

    def _choose(self, rows: np.ndarray, above: np.ndarray) -> Optional[int]:
        """The filter that compresses a sample of the band's rows best, or None when
        nothing makes the sample shrink enough (store the band). "fast" tries None, Sub
        and Up, on a quarter of the sample first when the band may be stored; "small"
        all five and the per-row adaptive choice."""
        fast_store = self.level == "fast" and rows.nbytes >= _FAST_STORE_MIN_BYTES
        if fast_store and self._trial(rows, above, _SCREEN_BYTES)[1] >= _FAST_SURE_STORE:
            return None
        best, ratio = self._trial(rows, above, min(_SAMPLE_BYTES, max(8192, rows.nbytes // 8)))
        return None if ratio >= (_FAST_STORE_ABOVE if fast_store else 1.0) else best

    def _trial(self, rows: np.ndarray, above: np.ndarray, sample_bytes: int) -> tuple[int, float]:
        """The level's filter that deflates a sample of the band smallest, and the
        sample's deflated size under it as a share of the sample's size."""
        sample = _sample_pairs(rows, above, sample_bytes, self.bpp)
        scratch = np.empty((len(sample), 1 + sample.shape[1]), np.uint8)
        unused_above = np.zeros(sample.shape[1], np.uint8)  # each piece's row above is in the sample
        kinds = _SMALL_CHOICES if self.level == "small" else _FAST_CHOICES
        sizes = {}
        for kind in kinds:
            filtered = self._apply(kind, sample, unused_above, scratch)[1::2]
            sizes[kind] = _size(deflate.raw_deflate(np.ascontiguousarray(filtered), self.level))
        best = min(sizes, key=sizes.__getitem__)
        return best, sizes[best] / (scratch.nbytes / 2)


def _size(pieces: Any) -> int:
    return sum(memoryview(p).nbytes for p in pieces)


def _sample_pairs(rows: np.ndarray, above: np.ndarray, sample_bytes: int, bpp: int) -> np.ndarray:
    """Short pieces of a band's rows (4 KB, whole pixels), each after the same columns of
    the row above (interleaved), so that every filter sees its true neighbours. Many
    short pieces rather than a few whole rows: a mosaic's rows repeat with the cell
    height, and five whole rows of which one is padding make noise look a fifth
    compressible. Rows and columns are spread by two Weyl sequences (golden ratio,
    sqrt 2), which never lock onto a period, the way an even spacing can."""
    width = rows.shape[1] - 1
    piece = min(width, max(bpp, _PIECE_BYTES // bpp * bpp))
    n = max(1, min(len(rows) * max(1, width // piece), sample_bytes // piece))
    order = np.arange(n) + 0.5
    picks = ((order * _GOLDEN) % 1.0 * len(rows)).astype(np.int64)
    starts = ((order * _ROOT2) % 1.0 * ((width - piece) // bpp + 1)).astype(np.int64) * bpp
    pairs = np.empty((2 * n, piece), np.uint8)
    if piece == width:  # narrow rows, whole: many of them, taken at once
        pairs[1::2] = rows[picks, 1:]
        pairs[0::2] = rows[np.maximum(picks - 1, 0), 1:]
        pairs[0::2][picks == 0] = above
        return pairs
    for i, (row, start) in enumerate(zip(picks.tolist(), starts.tolist())):  # slices: no index arrays
        pairs[2 * i + 1] = rows[row, 1 + start : 1 + start + piece]
        pairs[2 * i] = rows[row - 1, 1 + start : 1 + start + piece] if row else above[start : start + piece]
    return pairs


def _chunk_pieces(kind: bytes, *parts: Any, crc: Optional[int] = None) -> list:
    """A chunk as pieces for a FileSink: length and type, the parts (not copied), CRC
    (of kind + parts; computed here unless a worker thread already did)."""
    if crc is None:
        crc = deflate.crc32(kind)
        for p in parts:
            crc = deflate.crc32(p, crc)
    return [struct.pack(">I", _size(parts)) + kind, *parts, struct.pack(">I", crc & 0xFFFFFFFF)]


def chunk_bytes(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC (for writers of PNG-based formats: APNG)."""
    return b"".join(_chunk_pieces(kind, data))


def _idat_pieces(band: _Encoded) -> list:
    if _size(band.data) <= _CHUNK_LIMIT:
        return _chunk_pieces(b"IDAT", *band.data, crc=band.crc)
    view = memoryview(b"".join(band.data))  # a band over 1 GiB: rare, split it
    pieces: list = []
    for start in range(0, len(view), _CHUNK_LIMIT):
        pieces += _chunk_pieces(b"IDAT", view[start : start + _CHUNK_LIMIT])
    return pieces


def _header(shape: tuple[int, ...]) -> bytes:
    height, width = shape[:2]
    colour = 2 if len(shape) == 3 else 0  # truecolour or greyscale, 8 bits
    return struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)


def _jobs(source: BandSource, free: list) -> Iterator[_Job]:
    """Draw each band into a recycled buffer on this thread (the kernel runs here)."""
    height, width = source.shape[:2]
    channels = 3 if len(source.shape) == 3 else 1
    stride = width * channels
    above = np.zeros(stride, np.uint8)
    for band in source.bands:
        buffer = free.pop() if free else np.empty((source.max_rows(), 1 + stride), np.uint8)
        pixels = np.ndarray(
            (len(buffer), width, channels)[: len(source.shape)],
            np.uint8,
            buffer,
            1,
            (1 + stride, channels, 1)[: len(source.shape)],
        )
        source.draw(band, pixels)
        yield _Job(band, buffer, above)
        above = buffer[band.y1 - band.y0 - 1, 1:].copy()


def write_stream(
    f: BinaryIO,
    source: BandSource,
    *,
    level: str = "fast",
    progress: Progress = None,
    threads: Optional[int] = None,
) -> None:
    """Write `source` as a PNG to the open binary file `f`."""
    check_png_size(source.shape)
    workers = min(threads or default_threads(), len(source.bands))  # one band: no thread pool
    bpp = 3 if len(source.shape) == 3 else 1
    free: list = []
    adler = 1
    encode = _Encoder(level, bpp)
    results = ordered_map(
        lambda job: (job, encode(job)), _jobs(source, free), workers=workers, depth=workers + 2
    )
    with closing(results), FileSink(f) as sink:  # on an error, both threads stop here
        sink.write([_SIGNATURE, *_chunk_pieces(b"IHDR", _header(source.shape))])
        for band, (job, encoded) in zip(source.bands, results):
            # the pieces may be views of the job's buffer: recycled once written
            sink.write(_idat_pieces(encoded), then=lambda buffer=job.buffer: free.append(buffer))
            adler = deflate.adler32_combine(adler, encoded.adler, encoded.length)
            if progress is not None:
                progress(band.y1, source.shape[0])
        sink.write(_chunk_pieces(b"IDAT", deflate.final_block(), struct.pack(">I", adler)))
        sink.write(_chunk_pieces(b"IEND"))


def write_png(
    path: Union[str, os.PathLike],
    image_or_mosaic: Any,
    *,
    level: Union[str, int] = "fast",
    rows: Optional[int] = None,
    progress: Progress = None,
    threads: Optional[int] = None,
) -> None:
    """Write a uint8 image or a fasttile.Mosaic to `path` as PNG, atomically."""
    source = band_source(image_or_mosaic, rows, _BAND_BYTES)
    level = check_level(level)
    check_png_size(source.shape)
    # "r+b": the temporary exists, empty; truncating it ("wb") would make ext4 flush
    # the whole file at close (auto_da_alloc), in this thread, before the fsync
    with atomic_path(path) as temp, open(temp, "r+b") as f:
        write_stream(f, source, level=level, progress=progress, threads=threads)


def encode_png(image: np.ndarray, level: Union[str, int] = "fast", threads: Optional[int] = None) -> bytes:
    """The PNG file of a uint8 (H, W) or (H, W, 3) image, as bytes."""
    buffer = io.BytesIO()
    source = band_source(np.asarray(image), band_bytes=_BAND_BYTES)
    write_stream(buffer, source, level=check_level(level), threads=threads)
    return buffer.getvalue()


_ONE_THREAD_BYTES = 4 << 20  # below this a PNG is one band: worker threads would only add latency


def png_of(image: np.ndarray) -> bytes:
    """The exact PNG of a uint8 mosaic, by fasttile's fast encoder; on this thread when small."""
    return encode_png(image, level="fast", threads=1 if image.nbytes < _ONE_THREAD_BYTES else None)
