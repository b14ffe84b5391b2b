"""PNG scanline filters (PNG spec, section 9), vectorized over a band of rows.

Every filter predicts a byte from its raw neighbours: a (left, bpp bytes back),
b (above) and c (above-left), and stores the difference mod 256. Because the
predictors use raw bytes only, a whole band filters in a few NumPy passes.
`rows` is the raw band (n, stride); `above` is the raw row before it (zeros for
the image's first row). Output rows are written into `out[:, 1:]`, the filter
type into `out[:, 0]`.
"""

from __future__ import annotations

import numpy as np

NONE, SUB, UP, AVERAGE, PAETH = range(5)


def _left(rows: np.ndarray, bpp: int) -> np.ndarray:
    left = np.zeros_like(rows)
    left[:, bpp:] = rows[:, :-bpp]
    return left


def _above(rows: np.ndarray, above: np.ndarray) -> np.ndarray:
    up = np.empty_like(rows)
    up[0] = above
    up[1:] = rows[:-1]
    return up


def predictor(kind: int, rows: np.ndarray, above: np.ndarray, bpp: int) -> np.ndarray:
    """The bytes each filter subtracts (uint8)."""
    if kind == SUB:
        return _left(rows, bpp)
    if kind == UP:
        return _above(rows, above)
    a = _left(rows, bpp).astype(np.int16)
    b = _above(rows, above).astype(np.int16)
    if kind == AVERAGE:
        return ((a + b) >> 1).astype(np.uint8)
    c = _left(_above(rows, above), bpp).astype(np.int16)
    pa, pb, pc = np.abs(b - c), np.abs(a - c), np.abs(a + b - 2 * c)
    pred = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
    return pred.astype(np.uint8)


def apply(kind: int, rows: np.ndarray, above: np.ndarray, bpp: int, out: np.ndarray) -> np.ndarray:
    """Filter every row of the band with `kind`."""
    out[:, 0] = kind
    if kind == NONE:
        out[:, 1:] = rows
    else:
        np.subtract(rows, predictor(kind, rows, above, bpp), out=out[:, 1:])
    return out


def apply_adaptive(rows: np.ndarray, above: np.ndarray, bpp: int, out: np.ndarray) -> np.ndarray:
    """Per row, the filter whose output has the smallest sum of absolute values
    (as signed bytes): the PNG spec's recommended heuristic, for the smallest files."""
    candidates = np.empty((5,) + rows.shape, np.uint8)
    candidates[NONE] = rows
    for kind in (SUB, UP, AVERAGE, PAETH):
        np.subtract(rows, predictor(kind, rows, above, bpp), out=candidates[kind])
    cost = np.abs(candidates.view(np.int8).astype(np.int16)).sum(axis=2, dtype=np.int64)
    best = np.argmin(cost, axis=0)
    out[:, 0] = best
    out[:, 1:] = candidates[best, np.arange(rows.shape[0])]
    return out
