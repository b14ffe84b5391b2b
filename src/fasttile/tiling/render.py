"""render() of an in-memory bank: validate everything cheaply in Python, then one
backend call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ..kernel.plan import cell_of
from ..kernel.view import TileView
from .fast_path import render_fast
from .options import shows_render_options
from .prepare import prepare


@dataclass(frozen=True)
class Rendered:
    """A mosaic and where its tiles came from (for labels and tools)."""

    image: np.ndarray
    view: TileView
    selection: Optional[np.ndarray]  # shown outer units, or None for all in order
    nrows: int
    ncols: int
    column_fill: bool
    padding: int
    zoom: int

    def tile_origin(self, t: int) -> tuple[int, int]:
        """(y, x) of display tile t's top-left pixel."""
        r, c = cell_of(t, self.nrows, self.ncols, self.column_fill)
        h, w = self.view.shape[3] * self.zoom, self.view.shape[4] * self.zoom
        return self.padding + r * (h + self.padding), self.padding + c * (w + self.padding)

    def unit_of(self, t: int) -> int:
        u = t // self.view.shape[1]
        return int(self.selection[u]) if self.selection is not None else u


@shows_render_options
def render_array(weights: Any, **options: Any) -> np.ndarray:
    """render() of an in-memory bank (NumPy, torch, memmap ...): the fast path when its
    cache vouches for the call, else the full checks and one backend call."""
    image = render_fast(weights, options)  # a plain small render: checks replayed from a cache
    if image is not None:
        return image
    return render_detailed(weights, **options).image


def render_detailed(weights: Any, **options: Any) -> Rendered:
    """render(), also returning where each tile came from."""
    prep = prepare(weights, _allocate_out=True, **options)
    out = prep.out
    count, bad_tiles = prep.impl.render(prep.view, prep.selection, prep.plan, out)
    prep.raise_nonfinite(count, bad_tiles)
    plan = prep.plan
    return Rendered(
        out, prep.view, prep.selection, plan.nrows, plan.ncols, plan.column_fill, plan.padding, plan.zoom
    )
