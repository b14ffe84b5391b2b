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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from ._arrays import as_weights
from ._layout import _AXES_4D, DEFAULT_LAYOUT, TileView, resolve
from ._render import (
    _backend,
    _nonfinite_error,
    _sort_key,
    _threads,
    _unknown_option,
    check_grid,
    check_normalize,
    drawing_options,
)
from ._strip_task import StripSpec

STRIP_BYTES = 16 << 20  # default upper bound of one band's pixels (a chunk of the output)
LAYOUT_KEYS = ("layout", "tile_shape", "channel_order", "channel", "bgr")
_UNIT_AXIS_2D3D = {"rows": 0, "cols": 1, "nhw": 0}


def is_chunked(weights: Any) -> bool:
    """A dask or zarr array (checked by module name, so dask is never imported for it)."""
    return type(weights).__module__.split(".")[0] in ("dask", "zarr")


def as_dask(weights: Any, layout: Optional[str] = None) -> Any:
    """The bank as a dask array: dask arrays as they are, zarr arrays chunk for chunk
    (a chunk that fails to read raises ChunkReadError naming it), anything else with
    `.chunks` through dask.array.from_array, and an in-memory bank (anything render
    takes) in chunks of about 64 MB along its unit axis."""
    from ._extras import require

    da = require("dask.array", "dask", "rendering a chunked bank")
    if isinstance(weights, da.Array):
        return weights
    if type(weights).__module__.split(".")[0] == "zarr":
        from .zarr_io import dask_from_zarr

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


def unit_axis(ndim: int, layout: Optional[str]) -> int:
    """Which axis of the caller's array numbers the units (filters, neurons, images)."""
    name = (layout or DEFAULT_LAYOUT.get(ndim, "")).lower()
    if name in _AXES_4D:
        return _AXES_4D[name][0]
    return _UNIT_AXIS_2D3D.get(name, 0)


def stand_in(shape: Sequence[int], dtype: Any) -> np.ndarray:
    """A read-only array of the bank's shape and dtype over one zero element: enough to
    resolve and check every option without touching the bank."""
    zero = np.zeros(1, dtype=dtype)
    view = np.lib.stride_tricks.as_strided(zero, tuple(shape), (0,) * len(shape), writeable=False)
    return view


def _task_layout(layout: dict, ndim: int) -> dict:
    """resolve() keywords for the tasks: the layout named even when it was the default
    (a block's shape must not re-run the driver's layout guess, nor warn again)."""
    named = {k: (bool(v) if k == "bgr" else v) for k, v in layout.items()}
    named["layout"] = named.get("layout") or DEFAULT_LAYOUT[ndim]
    return named


@dataclass(frozen=True)
class Checked:
    """Options checked on the stand-in: what the reductions and the bands need."""

    view: TileView
    spec: StripSpec  # mode/lo/hi still to be fixed by the global range
    normalize: str
    value_range: Optional[tuple[float, float]]
    selection: Optional[np.ndarray]
    order: str
    top: Optional[int]
    shape: tuple[int, ...]


def _reader(view: TileView, shape: Sequence[int], layout: dict, normalize: str, colours: dict, **how: Any):
    """A StripSpec that reads blocks (layout, backend, threads); its grid is filled in later."""
    return StripSpec(
        layout=_task_layout(layout, len(shape)),
        mode=normalize,
        lo=0.0,
        hi=0.0,
        tiles=0,
        inner=view.shape[1],
        nrows=1,
        ncols=1,
        column_fill=False,
        padding=0,
        zoom=1,
        tile_h=1,
        tile_w=1,
        height=1,
        width=1,
        threads=_threads(how["threads"]) if how["threads"] is not None else 1,
        backend=how["backend"],
        unit_axis=unit_axis(len(shape), layout.get("layout")),
        **colours,
    )


def check_options(
    shape: Sequence[int],
    dtype: Any,
    *,
    normalize: Optional[str] = None,
    value_range: Optional[Sequence[float]] = None,
    nonfinite: str = "raise",
    indices: Any = None,
    order: str = "index",
    top: Optional[int] = None,
    dead: Any = None,
    nrows: Optional[int] = None,
    ncols: Optional[int] = None,
    fill: str = "rows",
    padding: int = 1,
    pad_value: Any = 0,
    zoom: int = 1,
    cmap: Any = None,
    threads: Optional[int] = None,
    backend: str = "auto",
    select_dead: Optional[Callable] = None,
    **layout: Any,
) -> Checked:
    """Every check `render` makes, in the same order and with the same messages, on a
    stand-in of the bank. Only dead= reads data: select_dead(reader, sel, dead) does."""
    unknown = {k: v for k, v in layout.items() if k not in LAYOUT_KEYS}
    if unknown:
        raise _unknown_option(unknown)
    view = resolve(*as_weights(stand_in(shape, dtype)), **layout)
    if view.maps:  # blocks are read along the batch axis; activation maps list channels first
        raise ValueError(
            "activation maps (nchw/nhwc with C not 1 or 3) are drawn from memory: "
            "pass the batch as a NumPy array (dask: x.compute())"
        )
    _backend(backend)
    normalize = check_normalize(normalize, value_range)
    colours = drawing_options(view, nonfinite, fill, pad_value, cmap)
    reader = _reader(view, shape, layout, normalize, colours, threads=threads, backend=backend)

    def pick_dead(sel: Optional[np.ndarray]) -> np.ndarray:
        if select_dead is None:
            raise ValueError("dead= reads the bank: it needs a plan, not only a check")
        return select_dead(reader, view, sel, dead)

    drawn = check_grid(
        view,
        indices,
        order,
        top,
        dead,
        pick_dead,
        normalize,
        value_range,
        dict(nrows=nrows, ncols=ncols, padding=padding, zoom=zoom),
        colours["channels"],
    )
    spec = _with_grid(reader, drawn.grid, drawn.tiles, fill == "columns", view)
    return Checked(view, spec, normalize, drawn.fixed, drawn.selection, order, drawn.top, drawn.shape)


def _with_grid(reader: StripSpec, grid: Any, tiles: int, column_fill: bool, view: TileView) -> StripSpec:
    from dataclasses import replace

    return replace(
        reader,
        tiles=tiles,
        nrows=grid.nrows,
        ncols=grid.ncols,
        column_fill=column_fill,
        padding=grid.padding,
        zoom=grid.zoom,
        tile_h=view.shape[3] * grid.zoom,
        tile_w=view.shape[4] * grid.zoom,
        height=grid.height,
        width=grid.width,
    )


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
        units_per_row = max(1, spec.ncols // spec.inner)
        for_chunk = -(-max(self.bank.chunks[self.axis]) // units_per_row)
        by_bytes = STRIP_BYTES // (spec.cell_h * spec.width * spec.channels)
        return max(1, min(for_chunk, by_bytes, spec.nrows))

    def band_tasks(self, rows: Optional[int] = None, draw: Any = None, extra: tuple = ()) -> list:
        from . import _dask_graph

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
    from . import _dask_graph

    sel = checked.selection
    if checked.order != "index":
        base = sel if sel is not None else np.arange(checked.view.units, dtype=np.int64)
        if checked.order == "norm":
            key = _dask_graph.sq_norms(bank, axis, checked.spec, base, scheduler)
        else:
            key = _sort_key(_dask_graph.unit_stats(bank, axis, checked.spec, base, scheduler), checked.order)
        sel = base[np.argsort(-key, kind="stable")]  # largest first; NaN last, as render
    units = sel if sel is not None else np.arange(checked.view.units, dtype=np.int64)
    if checked.top is not None:
        units = units[: checked.top]
    return np.ascontiguousarray(units, dtype=np.int64)


def _dead_selector(bank: Any, axis: int, scheduler: Any) -> Callable:
    """select_dead for check_options: render's dead rule over statistics gathered per chunk."""

    def select(reader: StripSpec, view: TileView, sel: Optional[np.ndarray], dead: Any) -> np.ndarray:
        from . import _dask_graph
        from .sidecar import dead_mask

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

    from . import _dask_graph

    spec = checked.spec
    if checked.value_range is not None:
        return replace(spec, mode="range", lo=checked.value_range[0], hi=checked.value_range[1])
    if checked.normalize not in ("global", "global-symmetric"):
        return spec
    lo, hi, count, bad = _dask_graph.value_range(bank, axis, spec, units, scheduler)
    if count and not spec.mark_nonfinite:
        tiles = [k * spec.inner + channel for k, (_, channel) in enumerate(bad)]
        named = np.array([unit for unit, _ in bad], dtype=np.int64)
        stand = TileView(np.zeros(1), "float32", 0, (len(named), spec.inner, 1, 1, 1), (0,) * 5, False, False)
        raise _nonfinite_error(count, tiles, stand, named)
    if not lo <= hi:
        lo = hi = 0.0
    if checked.normalize == "global":
        return replace(spec, mode="range", lo=lo, hi=hi)
    return replace(spec, mode="fixed-symmetric", lo=0.0, hi=max(abs(lo), abs(hi)))


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


def render_chunked(
    weights: Any, *, out: Any = None, scheduler: Any = None, rows: Optional[int] = None, **options: Any
) -> Any:
    """fasttile.render for dask and zarr arrays: the same bytes, drawn band by band as dask
    tasks on `scheduler` (dask's default when None: a distributed Client if one is
    active, else threads). `out` may be a uint8 ndarray or a zarr array of the mosaic's
    shape (then each band task writes its own chunks and the zarr array is returned)."""
    if type(out).__module__.split(".")[0] == "zarr":
        from .zarr_io import render_into_zarr

        return render_into_zarr(weights, out, scheduler=scheduler, rows=rows, **options)
    from . import _dask_graph
    from ._render import _allocate, _check_out

    p = plan(weights, scheduler=scheduler, **options)
    if out is not None:
        out = _check_out(out, p.shape, TileView(np.zeros(1), "float32", 0, (1,) * 5, (0,) * 5, False, False))
    else:
        out = _allocate(p.shape)
    tasks = p.band_tasks(rows)
    pixels = _dask_graph.compute([task for _, _, task in tasks], scheduler)
    for (r0, r1, _), band in zip(tasks, pixels):
        y0, y1 = p.spec.pixel_rows(r0, r1)
        out[y0:y1] = band
    return out
