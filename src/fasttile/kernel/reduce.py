"""The 2x2 area average that makes each coarser zoom level (pyramids, previews, OME-Zarr
levels): the compiled kernel's one pass, with NumPy as the reference and fallback."""

from __future__ import annotations

import numpy as np

from .native import _core


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
