"""One pyramid tile as PNG, cheaply: a pyramid has tens of thousands of small tiles,
so each gets one deflate of the whole after a sampled filter choice, instead of the
band machinery of png.py."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np

from .deflate import FAST, _small_library
from .png import chunk_bytes


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
