"""What a dask task does with one block of a chunked bank: squared norms or the value range
of some of its units, or the pixels of one band of grid rows.

Runs on workers, so it imports neither dask nor zarr: a block arrives as an ndarray holding
whole units (dask concatenates a unit cut by input chunk boundaries before the task runs),
and a small frozen StripSpec says everything else. Every result is exactly what the
single-process render computes for the same units: per-unit norms and per-tile ranges
depend only on the unit's own values, and min/max merge exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..kernel.arrays import as_weights
from ..kernel.backends import pick
from ..kernel.plan import Plan, pixel_rows
from ..kernel.view import TileView
from ..tiling.checks import _nonfinite_error
from ..tiling.layout import resolve


@dataclass(frozen=True)
class StripSpec:
    """The resolved render, minus the weights: the render's Plan and the geometry a task
    needs beside it. The same for every task of one call."""

    layout: dict  # resolve() keywords: layout, tile_shape, channel_order, channel, bgr
    plan: Plan  # the render's own plan (range, grid, colours, threads): one description
    tiles: int  # display tiles in the whole mosaic
    inner: int  # display tiles per unit (channels when split)
    tile_h: int  # pixels after zoom
    tile_w: int
    height: int  # the whole mosaic
    width: int
    channels: int  # 1 (gray) or 3 (RGB)
    backend: str
    unit_axis: int = 0  # the bank axis that numbers units (pieces of a block join along it)

    @property
    def cell_h(self) -> int:
        return self.tile_h + self.plan.padding

    @property
    def cell_w(self) -> int:
        return self.tile_w + self.plan.padding

    def pixel_rows(self, r0: int, r1: int) -> tuple[int, int]:
        """Mosaic pixel rows of grid rows [r0, r1): each band starts with the padding
        above its first row; the last band also holds the outer bottom edge."""
        return pixel_rows(r0, r1, self.cell_h, self.plan.padding, self.plan.nrows)

    def strip_tiles(self, r0: int, r1: int) -> np.ndarray:
        """Display tiles drawn in grid rows [r0, r1), in the order a grid of just those
        rows (same ncols, same fill) would draw them."""
        if not self.plan.column_fill:
            return np.arange(r0 * self.plan.ncols, min(r1 * self.plan.ncols, self.tiles), dtype=np.int64)
        cols = np.arange(self.plan.ncols, dtype=np.int64)[:, None]
        rows = np.arange(r0, r1, dtype=np.int64)[None, :]
        tiles = (cols * self.plan.nrows + rows).ravel()  # column-major, as column fill draws
        return tiles[tiles < self.tiles]

    @property
    def draws_units_whole(self) -> bool:
        """Whether every band holds whole units in unit order, so the kernel can draw the
        band directly (otherwise tiles are drawn unit by unit and placed)."""
        return self.inner == 1 or (not self.plan.column_fill and self.plan.ncols % self.inner == 0)

    def strip_units(self, r0: int, r1: int) -> np.ndarray:
        """Display units (positions in the display order) a band needs, in block order."""
        tiles = self.strip_tiles(r0, r1)
        if self.inner == 1:
            return tiles
        return np.unique(tiles // self.inner)


def _backend(spec: StripSpec):
    return pick(spec.backend)


def joined(block: Any, spec: StripSpec) -> np.ndarray:
    """A block as one array: dask hands a band either one array or, to save a copy, the
    list of its pieces along the unit axis (a single piece is used as it is)."""
    if isinstance(block, (list, tuple)):
        return block[0] if len(block) == 1 else np.concatenate(block, axis=spec.unit_axis)
    return np.asarray(block)


def _view(block: Any, spec: StripSpec) -> TileView:
    arr, dtype = as_weights(joined(block, spec))
    return resolve(arr, dtype, **spec.layout)


def _plan(spec: StripSpec, nrows: int, ncols: int, column_fill: bool, padding: int) -> Plan:
    """The render's plan for a part of the grid drawn on its own."""
    return replace(spec.plan, nrows=nrows, ncols=ncols, column_fill=column_fill, padding=padding)


def _pixels(rows: int, width: int, spec: StripSpec) -> np.ndarray:
    shape = (rows, width, 3) if spec.channels == 3 else (rows, width)
    return np.empty(shape, dtype=np.uint8)


def _raise_nonfinite(count: int, bad_tiles: list, spec: StripSpec, units: Sequence[int]) -> None:
    """The single-process error, naming bank units (units[k] is the k-th unit of the block)."""
    stand_in = TileView(np.zeros(1), "float32", 0, (len(units), spec.inner, 1, 1, 1), (0,) * 5, False, False)
    raise _nonfinite_error(count, bad_tiles, stand_in, units)


def unit_sq_norms(block: Any, spec: StripSpec, local_units: np.ndarray) -> np.ndarray:
    """Squared L2 norm of each listed unit of the block (float64, the kernel's order)."""
    return _backend(spec).unit_sq_norms(
        _view(block, spec), np.ascontiguousarray(local_units), spec.plan.threads
    )


def unit_stats(block: Any, spec: StripSpec, local_units: np.ndarray) -> np.ndarray:
    """(units, 6) STAT_COLUMNS of each listed unit of the block: the kernel's one pass."""
    return _backend(spec).unit_stats(_view(block, spec), np.ascontiguousarray(local_units), spec.plan.threads)


def value_range(block: Any, spec: StripSpec, local_units: np.ndarray, bank_units: Sequence[int]) -> tuple:
    """(lo, hi, non-finite count, [(bank unit, channel) of the first bad tiles]) over the
    listed units of the block; bank_units names them in messages."""
    lo, hi, (count, bad) = _backend(spec).scan_range(
        _view(block, spec), np.ascontiguousarray(local_units), spec.plan.threads
    )
    named = [(int(bank_units[t // spec.inner]), t % spec.inner) for t in bad]
    return lo, hi, count, named


def render_strip(block: Any, spec: StripSpec, r0: int, r1: int, bank_units: Sequence[int]) -> np.ndarray:
    """Pixels of grid rows [r0, r1): byte-identical to render(...)[y0:y1] of the whole
    bank. `block` holds the units strip_units(r0, r1) names, in that order; bank_units
    are their indices in the caller's bank (for error messages)."""
    y0, y1 = spec.pixel_rows(r0, r1)
    return render_band(block, spec, r0, r1, bank_units)[: y1 - y0]


def render_band(block: Any, spec: StripSpec, r0: int, r1: int, bank_units: Sequence[int]) -> np.ndarray:
    """Mosaic rows [r0 * cell_h, r1 * cell_h + padding): grid rows [r0, r1) with the
    padding above and below them (Mosaic.render_band's rows)."""
    band_rows = r1 - r0
    out = _pixels(band_rows * spec.cell_h + spec.plan.padding, spec.width, spec)
    if len(bank_units) == 0:  # rows past the last tile: padding only
        out[...] = spec.plan.pad_value if spec.channels == 3 else spec.plan.pad_value[0]
    elif spec.draws_units_whole:
        plan = _plan(spec, band_rows, spec.plan.ncols, spec.plan.column_fill, spec.plan.padding)
        count, bad = _backend(spec).render(_view(block, spec), None, plan, out)
        if count and not spec.plan.mark_nonfinite:
            _raise_nonfinite(count, bad, spec, bank_units)
    else:
        _draw_and_place(block, spec, r0, r1, bank_units, out)
    return out


def _draw_and_place(
    block: Any, spec: StripSpec, r0: int, r1: int, bank_units: Sequence[int], out: np.ndarray
) -> None:
    """Bands that cut through a unit's channels: draw each needed unit as one row of its
    tiles (no padding), then copy every tile of the band into its cell."""
    n_units = len(bank_units)
    plan = _plan(spec, n_units, spec.inner, False, 0)
    drawn = _pixels(n_units * spec.tile_h, spec.inner * spec.tile_w, spec)
    count, bad = _backend(spec).render(_view(block, spec), None, plan, drawn)
    if count and not spec.plan.mark_nonfinite:
        _raise_nonfinite(count, bad, spec, bank_units)
    c = spec.channels
    by_tile = drawn.reshape(n_units, spec.tile_h, spec.inner, spec.tile_w, c).transpose(0, 2, 1, 3, 4)
    by_tile = by_tile.reshape(n_units * spec.inner, spec.tile_h, spec.tile_w, c)

    tiles = spec.strip_tiles(r0, r1)
    first_unit = spec.strip_units(r0, r1)
    source = np.searchsorted(first_unit, tiles // spec.inner) * spec.inner + tiles % spec.inner
    rows, cols = spec.plan.cell_of(tiles)

    out[...] = spec.plan.pad_value if c == 3 else spec.plan.pad_value[0]
    p, band_rows = spec.plan.padding, r1 - r0
    inside = out.reshape(out.shape[0], spec.width, c)[p : p + band_rows * spec.cell_h, p:]
    by_cell = inside[:, : spec.plan.ncols * spec.cell_w].reshape(
        band_rows, spec.cell_h, spec.plan.ncols, spec.cell_w, c
    )
    cells = by_cell[:, : spec.tile_h, :, : spec.tile_w]
    cells[rows - r0, :, cols] = by_tile[source]
