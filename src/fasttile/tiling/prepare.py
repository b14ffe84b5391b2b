"""prepare(): every render option validated and resolved, the whole-bank passes an
order or a global range needs made once; strips, mosaics and writers start here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ..kernel.arrays import as_weights
from ..kernel.backends import pick, thread_count
from ..kernel.plan import Plan
from ..kernel.view import TileView
from .checks import (
    _allocate,
    _check_out,
    _nonfinite_error,
    check_grid_of,
    check_normalize,
    drawing_options,
    maps_by_input,
)
from .colors import MARKER
from .layout import resolve
from .options import LAYOUT_NAMES, with_defaults
from .selection import _ordered, _select_dead


@dataclass(frozen=True)
class Prepared:
    """Everything a render needs except the pixels: the view, the shown units in
    display order, the plan (geometry and a resolved normalization: a global range
    is already scanned) and the mosaic's shape. Strips and writers start here."""

    view: TileView
    selection: Optional[np.ndarray]  # shown outer units in display order, or None for all in order
    plan: Plan
    shape: tuple[int, ...]
    impl: Any  # the backend module
    out: Optional[np.ndarray]  # the caller's validated out= array, or one allocated for a render

    def raise_nonfinite(self, count: int, bad_tiles: Sequence[int]) -> None:
        if count and not self.plan.mark_nonfinite:
            raise _nonfinite_error(count, bad_tiles, self.view, self.selection)


def prepare(weights: Any, *, _allocate_out: bool = False, **options: Any) -> Prepared:
    """Validate every render option (tiling/options.py) cheaply, and allocate the output
    when asked, so that a mosaic too large fails early; then make the passes over the
    whole bank that an order or a global range needs."""
    o = with_defaults(options)
    arr, dtype = as_weights(weights)
    view = resolve(arr, dtype, **{k: o[k] for k in LAYOUT_NAMES})
    impl = pick(o["backend"])
    nthreads = thread_count(o["threads"])
    normalize = check_normalize(o["normalize"], o["value_range"])
    colours = drawing_options(view, o["nonfinite"], o["fill"], o["pad_value"], o["cmap"])
    drawn = check_grid_of(
        view, o, lambda sel: _select_dead(view, sel, o["dead"], nthreads), normalize, colours["channels"]
    )
    out = o["out"]
    if out is not None:
        out = _check_out(out, drawn.shape, view)
    elif _allocate_out:
        out = _allocate(drawn.shape)
    sel = _ordered(view, drawn.selection, o["order"], drawn.top, impl, nthreads)
    mode, lo, hi, scanned = _range_mode(
        view, sel, normalize, drawn.fixed, impl, nthreads, colours["mark_nonfinite"]
    )
    grid = drawn.grid
    plan = Plan(
        mode=mode,
        lo=lo,
        hi=hi,
        nrows=grid.nrows,
        ncols=grid.ncols,
        column_fill=o["fill"] == "columns" or maps_by_input(view, o),
        padding=grid.padding,
        zoom=grid.zoom,
        pad_value=colours["pad_value"],
        lut=colours["lut"],
        mark_nonfinite=colours["mark_nonfinite"],
        marker=MARKER,
        threads=nthreads,
        scanned=scanned,
    )
    return Prepared(view, sel, plan, drawn.shape, impl, out)


def _range_mode(
    view: TileView,
    sel: Optional[np.ndarray],
    normalize: str,
    fixed: Optional[tuple[float, float]],
    impl: Any,
    threads: int,
    mark: bool,
) -> tuple[str, float, float, bool]:
    """(mode, lo, hi, scanned) for the plan: a fixed value_range, or a global range
    scanned once over the shown units (the kernel's one read-only pass; scanned when it
    met no non-finite value, Plan.scanned), or the per-tile modes."""
    if fixed is not None:
        return "range", fixed[0], fixed[1], False
    if normalize not in ("global", "global-symmetric"):
        return normalize, 0.0, 0.0, False
    glo, ghi, (count, bad_tiles) = impl.scan_range(view, sel, threads)
    if count and not mark:
        raise _nonfinite_error(count, bad_tiles, view, sel)
    return (*global_range_mode(normalize, glo, ghi), count == 0)


def global_range_mode(normalize: str, glo: float, ghi: float) -> tuple[str, float, float]:
    """(mode, lo, hi) of "global" or "global-symmetric" from the scanned range."""
    if not glo <= ghi:
        glo = ghi = 0.0
    if normalize == "global":
        return "range", glo, ghi
    return "fixed-symmetric", 0.0, max(abs(glo), abs(ghi))
