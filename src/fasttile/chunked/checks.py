"""The chunked route's checks: every render option checked exactly as render checks
it, on a zero-strided stand-in of the bank's shape and dtype (no data is read)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Callable, Optional

import numpy as np

from ..kernel.arrays import as_weights
from ..kernel.backends import pick, thread_count
from ..kernel.plan import Plan
from ..kernel.view import TileView
from ..tiling.checks import check_grid_of, check_normalize, drawing_options
from ..tiling.colors import MARKER
from ..tiling.layout import _AXES_4D, DEFAULT_LAYOUT, resolve
from ..tiling.options import LAYOUT_NAMES, with_defaults
from .strip_task import StripSpec

_UNIT_AXIS_2D3D = {"rows": 0, "cols": 1, "nhw": 0}


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
    plan = Plan(
        mode=normalize,
        lo=0.0,
        hi=0.0,
        nrows=1,
        ncols=1,
        column_fill=False,
        padding=0,
        zoom=1,
        pad_value=colours["pad_value"],
        lut=colours["lut"],
        mark_nonfinite=colours["mark_nonfinite"],
        marker=MARKER,
        threads=thread_count(how["threads"]) if how["threads"] is not None else 1,
    )
    return StripSpec(
        layout=_task_layout(layout, len(shape)),
        plan=plan,
        tiles=0,
        inner=view.shape[1],
        tile_h=1,
        tile_w=1,
        height=1,
        width=1,
        channels=colours["channels"],
        backend=how["backend"],
        unit_axis=unit_axis(len(shape), layout.get("layout")),
    )


def check_options(
    shape: Sequence[int], dtype: Any, *, select_dead: Optional[Callable] = None, **options: Any
) -> Checked:
    """Every check `render` makes, in the same order and with the same messages, on a
    stand-in of the bank. Only dead= reads data: select_dead(reader, sel, dead) does."""
    o = with_defaults(options)
    layout = {k: options[k] for k in LAYOUT_NAMES if k in options}
    view = resolve(*as_weights(stand_in(shape, dtype)), **layout)
    if view.maps:  # blocks are read along the batch axis; activation maps list channels first
        raise ValueError(
            "activation maps (nchw/nhwc with C not 1 or 3) are drawn from memory: "
            "pass the batch as a NumPy array (dask: x.compute())"
        )
    pick(o["backend"])
    normalize = check_normalize(o["normalize"], o["value_range"])
    colours = drawing_options(view, o["nonfinite"], o["fill"], o["pad_value"], o["cmap"])
    reader = _reader(view, shape, layout, normalize, colours, threads=o["threads"], backend=o["backend"])

    def pick_dead(sel: Optional[np.ndarray]) -> np.ndarray:
        if select_dead is None:
            raise ValueError("dead= reads the bank: it needs a plan, not only a check")
        return select_dead(reader, view, sel, o["dead"])

    drawn = check_grid_of(view, o, pick_dead, normalize, colours["channels"])
    spec = _with_grid(reader, drawn.grid, drawn.tiles, o["fill"] == "columns", view)
    return Checked(view, spec, normalize, drawn.fixed, drawn.selection, o["order"], drawn.top, drawn.shape)


def _with_grid(reader: StripSpec, grid: Any, tiles: int, column_fill: bool, view: TileView) -> StripSpec:
    plan = replace(
        reader.plan,
        nrows=grid.nrows,
        ncols=grid.ncols,
        column_fill=column_fill,
        padding=grid.padding,
        zoom=grid.zoom,
    )
    return replace(
        reader,
        plan=plan,
        tiles=tiles,
        tile_h=view.shape[3] * grid.zoom,
        tile_w=view.shape[4] * grid.zoom,
        height=grid.height,
        width=grid.width,
    )
