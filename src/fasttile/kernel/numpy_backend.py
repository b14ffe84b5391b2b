"""The NumPy backend: the same contract as the compiled kernel, in plain NumPy.

It is the reference the tests hold the kernel to (byte for byte), the baseline the
benchmarks beat, and the fallback when the compiled module cannot be imported. It
works through the bank in chunks of tiles so its temporaries stay bounded.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from . import pixel_rule as rule
from .plan import Plan
from .view import TileView

REPORTED_BAD_TILES = 16
_CHUNK_VALUES = 1 << 22


class _Interface:
    """Lets NumPy build a strided read-only view at any byte offset of `base`."""

    def __init__(self, base: np.ndarray, interface: dict):
        self.base = base
        self.__array_interface__ = interface


def strided_view(view: TileView) -> np.ndarray:
    data = view.data
    pointer = data.__array_interface__["data"][0] + view.offset
    iface = {
        "version": 3,
        "shape": view.shape,
        "strides": view.strides,
        "typestr": data.dtype.str,
        "data": (pointer, True),
    }
    return np.asarray(_Interface(data, iface))


def compute_dtype(view: TileView) -> np.dtype:
    return np.dtype(np.float64 if view.dtype == "float64" else np.float32)


def _to_compute(block: np.ndarray, view: TileView) -> np.ndarray:
    t = compute_dtype(view)
    if view.dtype == "bfloat16":
        return (block.astype(np.uint32) << 16).view(np.float32)
    return block.astype(t)


def _units(view: TileView, indices: Optional[np.ndarray]) -> np.ndarray:
    return np.arange(view.units, dtype=np.int64) if indices is None else indices


def _chunks(view: TileView, units: np.ndarray):
    per_unit = int(np.prod(view.shape[1:]))
    step = max(1, _CHUNK_VALUES // per_unit)
    x = strided_view(view)
    for k0 in range(0, len(units), step):
        yield k0, x[units[k0 : k0 + step]]


def _channel_mean(values: np.ndarray) -> np.ndarray:
    """Mean over axis 2 without overflow, as the kernel does: float32 results sum in
    float64 and divide once; float64 results add terms already divided by C."""
    count = float(values.shape[2])
    with np.errstate(invalid="ignore", over="ignore"):
        if values.dtype == np.float32:
            acc = values[:, :, 0].astype(np.float64)
            for c in range(1, values.shape[2]):
                acc = acc + values[:, :, c].astype(np.float64)
            return (acc / count).astype(np.float32)
        acc = values[:, :, 0] / count
        for c in range(1, values.shape[2]):
            acc = acc + values[:, :, c] / count
        return acc


def _tiles(block: np.ndarray, view: TileView) -> np.ndarray:
    """(units, inner, C, h, w) raw -> (tiles, h, w, C') in T, channels averaged if asked."""
    values = _to_compute(block, view)
    if view.channel_mean:
        values = _channel_mean(values)[:, :, None]
    k, inner, c, h, w = values.shape
    return values.reshape(k * inner, c, h, w).transpose(0, 2, 3, 1)


def _finite_range(tiles: np.ndarray):
    finite = np.isfinite(tiles)
    inf = tiles.dtype.type(np.inf)
    lo = np.where(finite, tiles, inf).min(axis=(1, 2, 3))
    hi = np.where(finite, tiles, -inf).max(axis=(1, 2, 3))
    bad = (~finite).sum(axis=(1, 2, 3))
    return lo, hi, bad, finite


class _NonFinite:
    def __init__(self) -> None:
        self.count = 0
        self.tiles: list[int] = []

    def add(self, bad: np.ndarray, first_tile: int) -> None:
        where = np.flatnonzero(bad)
        self.count += int(bad.sum())
        room = REPORTED_BAD_TILES - len(self.tiles)
        self.tiles.extend(int(t) + first_tile for t in where[:room])

    def result(self) -> tuple[int, list[int]]:
        return self.count, self.tiles


def _affine(plan: Plan, lo: np.ndarray, hi: np.ndarray, dtype: np.dtype) -> rule.Affine:
    n = lo.shape[0]
    if plan.mode == "tile":
        return rule.range_affine(lo, hi)
    if plan.mode == "symmetric":
        has = lo <= hi
        amax = np.where(has, np.maximum(np.abs(lo), np.abs(hi)), 0).astype(dtype)
        return rule.symmetric_affine(amax)
    if plan.mode == "range":
        one = lambda v: np.full(n, v, dtype=dtype)  # noqa: E731
        return rule.range_affine(one(plan.lo), one(plan.hi))
    return rule.symmetric_affine(np.full(n, plan.hi, dtype=dtype))


def _cells(out: np.ndarray, grid_rows: int, grid_cols: int, tile_h: int, tile_w: int, pad: int) -> np.ndarray:
    """Writable view (rows, cols, tile_h, tile_w, channels) of the tile areas."""
    rgb = out.ndim == 3
    ch = 3 if rgb else 1
    rs = out.strides[0]
    cell_h, cell_w = tile_h + pad, tile_w + pad
    origin = out[pad:, pad:]
    return np.lib.stride_tricks.as_strided(
        origin,
        shape=(grid_rows, grid_cols, tile_h, tile_w, ch),
        strides=(cell_h * rs, cell_w * ch, rs, ch, 1),
        writeable=True,
    )


def render(
    view: TileView, indices: Optional[np.ndarray], plan: Plan, out: np.ndarray
) -> tuple[int, list[int]]:
    dtype = compute_dtype(view)
    units = _units(view, indices)
    inner = view.shape[1]
    h, w = view.shape[3], view.shape[4]
    z = plan.zoom
    out[...] = np.asarray(plan.pad_value if out.ndim == 3 else plan.pad_value[0], dtype=np.uint8)
    cells = _cells(out, plan.nrows, plan.ncols, h * z, w * z, plan.padding)
    nonfinite = _NonFinite()
    for k0, block in _chunks(view, units):
        tiles = _tiles(block, view)
        first = k0 * inner
        lo, hi, bad, finite = _finite_range(tiles)
        nonfinite.add(bad, first)
        if nonfinite.count and not plan.mark_nonfinite:
            continue  # keep counting, stop drawing: render() raises
        levels = rule.quantize(tiles, _affine(plan, lo, hi, dtype))  # (t, h, w, C)
        if plan.lut is not None:
            pixels = plan.lut[levels[..., 0]]
        else:
            pixels = levels
        if plan.mark_nonfinite and bad.any():
            pixels = np.where(finite.all(axis=3)[..., None], pixels, np.asarray(plan.marker, np.uint8))
        if z > 1:
            pixels = np.repeat(np.repeat(pixels, z, axis=1), z, axis=2)
        t = np.arange(first, first + len(tiles))
        rows, cols = plan.cell_of(t)
        cells[rows, cols] = pixels
    return nonfinite.result()


def scan_range(
    view: TileView, indices: Optional[np.ndarray], threads: int = 1
) -> tuple[float, float, tuple[int, list[int]]]:
    """Range over every shown tile's finite values (threads: accepted, unused)."""
    units = _units(view, indices)
    inner = view.shape[1]
    lo_all, hi_all = np.inf, -np.inf
    nonfinite = _NonFinite()
    for k0, block in _chunks(view, units):
        lo, hi, bad, _ = _finite_range(_tiles(block, view))
        nonfinite.add(bad, k0 * inner)
        lo_all = min(lo_all, float(lo.min()))
        hi_all = max(hi_all, float(hi.max()))
    return lo_all, hi_all, nonfinite.result()


def _unit_values(block: np.ndarray, view: TileView) -> tuple[np.ndarray, np.ndarray]:
    """(units, inner, C, h, w) raw -> (units, inner, h*w*C) in T and the same in float64."""
    values = _to_compute(block, view).transpose(0, 1, 3, 4, 2).reshape(block.shape[0], block.shape[1], -1)
    return values, values.astype(np.float64)


_SLOTS = 64  # cpp/fasttile/slot_sums.hpp


def _tile_sums(terms: np.ndarray) -> np.ndarray:
    """Sum over the last axis as the kernel adds a tile (slot_sums.hpp): term p into slot
    p mod 64, each slot from 0.0 left to right, then the slots from 0.0 in slot order
    (cumsum adds strictly left to right; the 0.0 + turns a -0.0, which the kernel,
    starting at +0.0, never holds, into 0.0). A tile of at most 64 values adds left to
    right; the zeros padding the last round of slots add nothing."""
    n = terms.shape[-1]
    slots = min(n, _SLOTS)
    pad = -n % slots
    if pad:
        terms = np.concatenate([terms, np.zeros(terms.shape[:-1] + (pad,))], axis=-1)
    acc = 0.0 + np.cumsum(terms.reshape(terms.shape[:-1] + (-1, slots)), axis=-2)[..., -1, :]
    return 0.0 + np.cumsum(acc, axis=-1)[..., -1]


def _ordered_sum(terms: np.ndarray) -> np.ndarray:
    """Sum over the last two axes (units, inner, n) as the kernel adds: each tile as
    _tile_sums, then the tiles' sums from 0.0 in inner order."""
    return 0.0 + np.cumsum(_tile_sums(terms), axis=1)[..., -1]


def unit_sq_norms(view: TileView, indices: Optional[np.ndarray], threads: int = 1) -> np.ndarray:
    """Squared L2 norm of each shown unit, in the kernel's order (threads: unused)."""
    units = _units(view, indices)
    norms = np.empty(len(units), dtype=np.float64)
    for k0, block in _chunks(view, units):
        _, values = _unit_values(block, view)
        with np.errstate(over="ignore", invalid="ignore"):  # huge float64 weights: inf, as in C++
            norms[k0 : k0 + len(block)] = _ordered_sum(values * values)
    return norms


STAT_COLUMNS = ("sum_sq", "mean", "variance", "min", "max", "nonfinite_count")


def _block_stats(values: np.ndarray, wide: np.ndarray) -> np.ndarray:
    """unit_stats of one block: values (units, inner, n) in T, wide the same in float64."""
    finite = np.isfinite(values)
    first = wide[:, 0, 0]
    shift = np.where(finite[:, 0, 0], first, 0.0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        sq = _ordered_sum(np.where(finite, wide * wide, 0.0))
        e = np.where(finite, wide - shift[:, None, None], 0.0)
        d1 = _ordered_sum(e)
        d2 = _ordered_sum(e * e)
        n = finite.sum(axis=(1, 2))
        nf = n.astype(np.float64)
        var = (d2 - d1 * (d1 / nf)) / nf
        var = np.where(var < 0, 0.0, var)
        lo = np.where(finite, values, np.inf).min(axis=(1, 2)).astype(np.float64)
        hi = np.where(finite, values, -np.inf).max(axis=(1, 2)).astype(np.float64)
        mean = shift + d1 / nf
    none = n == 0
    nan = np.nan
    stats = [sq, np.where(none, nan, mean), np.where(none, nan, var), np.where(none, nan, lo)]
    stats += [np.where(none, nan, hi), (values[0].size - n).astype(np.float64)]
    return np.stack(stats, axis=1)


def unit_stats(view: TileView, indices: Optional[np.ndarray], threads: int = 1) -> np.ndarray:
    """Per shown unit, over all its inner tiles and channels, in float64 and over its finite
    values: columns STAT_COLUMNS (population variance; min/max/mean/variance NaN when no value
    is finite). Sums add in the kernel's order (see _ordered_sum); mean and variance come from
    sums shifted by the unit's first value when it is finite. threads: accepted, unused."""
    units = _units(view, indices)
    stats = np.empty((len(units), len(STAT_COLUMNS)), dtype=np.float64)
    for k0, block in _chunks(view, units):
        stats[k0 : k0 + len(block)] = _block_stats(*_unit_values(block, view))
    return stats
