"""The best NumPy render an expert writes for the benchmark workloads, to measure the
kernel against (the project's NumPy backend is the exact reference, not a fast one).

Cache-blocked: a block of whole grid rows at a time (about 1 MB of input), so the data
is read from memory once and the other passes hit the cache. Per block, the per-tile
min and max are reductions over the tile axes *in the bank's own layout* (for `cols`
and `hwio` the tile axes lead, so NumPy reduces whole contiguous slabs elementwise),
one vectorized quantize with a reused scratch buffer, and the placement is a single
assignment of a transposed view into a strided view of the mosaic's cells. No NaN
handling and no constant-tile guard: it is only valid for the workloads' finite,
non-constant banks, where its bytes equal fasttile's (checked by compare.py).
"""

from __future__ import annotations

import numpy as np

BLOCK_BYTES = 1 << 20


def _rows(bank, side, channels):
    def block(r0, r1, ncols):
        return bank[r0 * ncols : r1 * ncols]

    def tiles(q, rows, ncols):
        return q.reshape(rows, ncols, side, side, channels)

    return block, (1,), tiles


def _cols(bank, side, channels):
    def block(r0, r1, ncols):
        return bank[:, r0 * ncols : r1 * ncols]

    def tiles(q, rows, ncols):
        return q.T.reshape(rows, ncols, side, side, channels)

    return block, (0,), tiles


def _oihw_rgb(bank):
    def block(r0, r1, ncols):
        return bank[r0 * ncols : r1 * ncols]

    def tiles(q, rows, ncols):
        return q.transpose(0, 2, 3, 1).reshape(rows, ncols, *q.shape[2:], 3)

    return block, (1, 2, 3), tiles


def _oihw_split(bank):  # one grid row per filter, one gray tile per input channel
    def block(r0, r1, ncols):
        return bank[r0:r1]

    def tiles(q, rows, ncols):
        return q[..., None]

    return block, (2, 3), tiles


def _hwio_split(bank):
    def block(r0, r1, ncols):
        return bank[..., r0:r1]

    def tiles(q, rows, ncols):
        return q.transpose(3, 2, 0, 1)[..., None]

    return block, (0, 1), tiles


def _plan(layout: str, bank: np.ndarray):
    """(block getter, reduced axes, tile view, tiles, h, w, C, ncols) of a workload's bank."""
    if layout in ("rows", "cols"):
        d = bank.shape[1] if layout == "rows" else bank.shape[0]
        n = bank.shape[0] if layout == "rows" else bank.shape[1]
        side = int(round((d // 3) ** 0.5))
        parts = (_rows if layout == "rows" else _cols)(bank, side, 3)
        return (*parts, n, side, side, 3, int(np.ceil(np.sqrt(n))))
    if layout == "oihw" and bank.shape[1] == 3:
        n, _, h, w = bank.shape
        return (*_oihw_rgb(bank), n, h, w, 3, int(np.ceil(np.sqrt(n))))
    if layout == "oihw":
        o, i, h, w = bank.shape
        return (*_oihw_split(bank), o * i, h, w, 1, i)
    h, w, i, o = bank.shape
    return (*_hwio_split(bank), o * i, h, w, 1, i)


def _quantize(x: np.ndarray, axes: tuple, scratch: np.ndarray) -> np.ndarray:
    """fasttile's per-tile rule for finite, non-constant float32 tiles."""
    lo = x.min(axis=axes, keepdims=True)
    hi = x.max(axis=axes, keepdims=True)
    s = (255.0 / (hi.astype(np.float64) - lo.astype(np.float64))).astype(np.float32)
    t = scratch[: x.size].reshape(x.shape)
    np.subtract(x, lo, out=t)
    np.multiply(t, s, out=t)
    np.add(t, np.float32(0.5), out=t)
    return t.astype(np.uint8)


def render(layout: str, bank: np.ndarray, out: np.ndarray, padding: int = 1) -> np.ndarray:
    """Render `bank` (float32) into `out` (the mosaic fasttile's defaults give)."""
    block, axes, tiles, n, h, w, c, ncols = _plan(layout, bank)
    nrows = -(-n // ncols)
    ch, cw = h + padding, w + padding
    body = out[padding : padding + nrows * ch, padding : padding + ncols * cw]
    cells = body.reshape(nrows, ch, ncols, cw, c).transpose(0, 2, 1, 3, 4)
    out[:padding] = 0
    out[:, :padding] = 0
    cells[:, :, h:] = 0
    cells[:, :, :h, w:] = 0
    per_row = ncols * h * w * c * bank.itemsize
    step = max(1, BLOCK_BYTES // per_row)
    scratch = np.empty(step * ncols * h * w * c, dtype=np.float32)
    full = n // ncols
    for r0 in range(0, full, step):
        r1 = min(full, r0 + step)
        q = _quantize(block(r0, r1, ncols), axes, scratch)
        cells[r0:r1, :, :h, :w] = tiles(q, r1 - r0, ncols)
    if full < nrows:  # a last, partial grid row
        rest = n - full * ncols
        q = _quantize(block(full, full + 1, ncols), axes, scratch)
        pad_tiles = np.zeros((1, ncols, h, w, c), np.uint8)
        pad_tiles[0, :rest] = tiles(q, 1, rest)[0]
        cells[full:, :, :h, :w] = pad_tiles
    return out
