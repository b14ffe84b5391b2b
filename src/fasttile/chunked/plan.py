"""Chunked banks (dask arrays, zarr arrays; any bank when a scheduler is named) rendered
as a dask graph.

The driver never reads the bank. It resolves the geometry on a zero-strided stand-in of
the bank's shape and dtype (so every option is checked exactly as `render` checks it),
then runs the reductions the options ask for, each one task per input chunk along the
unit axis: per-unit statistics for dead=, squared norms (or statistics) for an order,
min/max for the global normalizations. Then one task per band of grid rows: it receives
the units it draws (the chunk pieces of a contiguous slice of the unit axis, joined only
when there are several, or an orthogonal take when the display order is not the
bank's) and draws them with the compiled kernel with the range fixed. dask schedules,
reads and moves the data; fasttile only says which units each task needs.

Exactness: a unit's norm or statistics are accumulated inside one task in the kernel's
fixed order, never summed across tasks; a unit cut by input chunk boundaries (e.g. a
`rows` bank chunked along D) is joined by dask into one block before the task runs.
min/max and counts merge exactly. So the picture equals the single-process render
byte for byte, whatever the chunking, scheduler and worker count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from .._extras import require
from ..codecs.bands import STRIP_BYTES
from ..kernel.arrays import as_weights
from ..kernel.view import TileView
from ..tiling.checks import _nonfinite_error
from ..tiling.selection import _sort_key, descending_order
from ..tiling.stats import dead_mask
from . import dask_graph as _dask_graph
from .checks import Checked, check_options, unit_axis
from .strip_task import StripSpec
from .zarr_read import dask_from_zarr


def is_chunked(weights: Any) -> bool:
    """A dask or zarr array (checked by module name, so dask is never imported for it)."""
    return type(weights).__module__.split(".")[0] in ("dask", "zarr")


def as_dask(weights: Any, layout: Optional[str] = None) -> Any:
    """The bank as a dask array: dask arrays as they are, zarr arrays chunk for chunk
    (a chunk that fails to read raises ChunkReadError naming it), anything else with
    `.chunks` through dask.array.from_array, and an in-memory bank (anything render
    takes) in chunks of about 64 MB along its unit axis."""
    da = require("dask.array", "dask", "rendering a chunked bank")
    if isinstance(weights, da.Array):
        return weights
    if type(weights).__module__.split(".")[0] == "zarr":
        return dask_from_zarr(weights)
    if hasattr(weights, "chunks") and hasattr(weights, "shape") and hasattr(weights, "dtype"):
        return da.from_array(weights, chunks=weights.chunks)
    return _in_memory(weights, layout)


def _in_memory(weights: Any, layout: Optional[str]) -> Any:
    import dask.array as da

    arr, dtype = as_weights(weights)
    if dtype == "bfloat16" and arr.dtype == np.uint16:  # torch bf16 arrives as raw bits
        import ml_dtypes

        arr = arr.view(ml_dtypes.bfloat16)
    axis = unit_axis(arr.ndim, layout)
    unit_bytes = max(1, arr.nbytes // max(1, arr.shape[axis] if arr.ndim else 1))
    chunks = [-1] * arr.ndim
    if arr.ndim:
        chunks[axis] = max(1, (64 << 20) // unit_bytes)
    return da.from_array(arr, chunks=tuple(chunks))


@dataclass(frozen=True)
class ChunkedPlan:
    """A chunked render with its order and range resolved; bands not yet drawn."""

    bank: Any  # dask array
    axis: int  # the unit axis
    view: TileView  # of the stand-in: the tile geometry, no data
    spec: StripSpec
    display_units: np.ndarray  # bank unit of each display unit, in display order
    shape: tuple[int, ...]  # the mosaic, as render() returns it
    scheduler: Any

    def default_rows(self) -> int:
        """Grid rows per band: about one input chunk of units (so a chunk is read by at
        most two bands), at most STRIP_BYTES of pixels, at least one row."""
        spec = self.spec
        units_per_row = max(1, spec.plan.ncols // spec.inner)
        for_chunk = -(-max(self.bank.chunks[self.axis]) // units_per_row)
        by_bytes = STRIP_BYTES // (spec.cell_h * spec.width * spec.channels)
        return max(1, min(for_chunk, by_bytes, spec.plan.nrows))

    def band_tasks(self, rows: Optional[int] = None, draw: Any = None, extra: tuple = ()) -> list:
        rows = self.default_rows() if rows is None else _positive_rows(rows)
        return _dask_graph.band_tasks(self.bank, self.axis, self.spec, self.display_units, rows, draw, extra)


def _positive_rows(rows: Any) -> int:
    if not hasattr(rows, "__index__") or isinstance(rows, bool) or int(rows) < 1:
        raise ValueError(f"rows (grid rows per band) must be a positive integer, got {rows!r}")
    return int(rows)


def _display_units(bank: Any, axis: int, checked: Checked, scheduler: Any) -> np.ndarray:
    """The shown bank units in display order: the selection, largest norm, variance or
    max |value| first when asked (one reduction over the chunks holding selected units,
    the same per-unit numbers as render's), then the first `top`."""
    sel = checked.selection
    if checked.order != "index":
        base = sel if sel is not None else np.arange(checked.view.units, dtype=np.int64)
        if checked.order == "norm":
            key = _dask_graph.sq_norms(bank, axis, checked.spec, base, scheduler)
        else:
            key = _sort_key(_dask_graph.unit_stats(bank, axis, checked.spec, base, scheduler), checked.order)
        sel = base[descending_order(key)]  # as render's
    units = sel if sel is not None else np.arange(checked.view.units, dtype=np.int64)
    if checked.top is not None:
        units = units[: checked.top]
    return np.ascontiguousarray(units, dtype=np.int64)


def _dead_selector(bank: Any, axis: int, scheduler: Any) -> Callable:
    """select_dead for check_options: render's dead rule over statistics gathered per chunk."""

    def select(reader: StripSpec, view: TileView, sel: Optional[np.ndarray], dead: Any) -> np.ndarray:
        mode, threshold = dead if isinstance(dead, tuple) else (dead, None)
        base = sel if sel is not None else np.arange(view.units, dtype=np.int64)
        stats = _dask_graph.unit_stats(bank, axis, reader, base, scheduler)
        keep = dead_mask(stats, threshold) == (mode == "only")
        if not keep.any():
            raise ValueError(f"dead={dead!r} leaves no tiles to show")
        return base[keep]

    return select


def _fixed_range(bank: Any, axis: int, checked: Checked, units: np.ndarray, scheduler: Any) -> StripSpec:
    """The spec with the normalization every band uses: per tile, the caller's range, or
    the global range scanned once over the shown units."""
    from dataclasses import replace

    spec = checked.spec
    if checked.value_range is not None:
        return replace(
            spec, plan=replace(spec.plan, mode="range", lo=checked.value_range[0], hi=checked.value_range[1])
        )
    if checked.normalize not in ("global", "global-symmetric"):
        return spec
    lo, hi, count, bad = _dask_graph.value_range(bank, axis, spec, units, scheduler)
    if count and not spec.plan.mark_nonfinite:
        tiles = [k * spec.inner + channel for k, (_, channel) in enumerate(bad)]
        named = np.array([unit for unit, _ in bad], dtype=np.int64)
        stand = TileView(np.zeros(1), "float32", 0, (len(named), spec.inner, 1, 1, 1), (0,) * 5, False, False)
        raise _nonfinite_error(count, tiles, stand, named)
    if not lo <= hi:
        lo = hi = 0.0
    if checked.normalize == "global":
        return replace(spec, plan=replace(spec.plan, mode="range", lo=lo, hi=hi))
    return replace(spec, plan=replace(spec.plan, mode="fixed-symmetric", lo=0.0, hi=max(abs(lo), abs(hi))))


def plan(weights: Any, *, scheduler: Any = None, **options: Any) -> ChunkedPlan:
    """Check the options, resolve the display order and the range (dask reductions over
    the chunks, on `scheduler`), and return the plan of the bands."""
    bank = as_dask(weights, options.get("layout"))
    axis = unit_axis(bank.ndim, options.get("layout"))
    checked = check_options(
        bank.shape, bank.dtype, select_dead=_dead_selector(bank, axis, scheduler), **options
    )
    units = _display_units(bank, axis, checked, scheduler)
    spec = _fixed_range(bank, axis, checked, units, scheduler)
    return ChunkedPlan(bank, axis, checked.view, spec, units, checked.shape, scheduler)
