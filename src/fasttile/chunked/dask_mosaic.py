"""fasttile.Mosaic over a chunked bank, so every strip writer (save to PNG, TIFF, .npy,
strips(), pyramids) streams a dask or zarr bank the way it streams a memory map.

The geometry is the Mosaic's own (built from a Prepared over the stand-in view, with the
display order and the range already resolved by dask reductions); only drawing differs:
a window of cells is drawn as the band of its grid rows by one dask task, which reads
just the units that band shows, then cropped to the window's columns.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..kernel.backends import pick
from ..tiling.mosaic import Mosaic
from ..tiling.prepare import Prepared
from ..tiling.window import Window
from . import dask_graph as _dask_graph
from . import strip_task as _strip_task
from .plan import ChunkedPlan, plan


def _prepared(p: ChunkedPlan) -> Prepared:
    s = p.spec
    mosaic_plan = s.plan
    return Prepared(p.view, p.display_units, mosaic_plan, p.shape, pick(s.backend), None)


class ChunkedMosaic(Mosaic):
    """A Mosaic whose pixels come from dask tasks over a chunked bank."""

    def __init__(self, chunked: ChunkedPlan):
        super().__init__(_prepared(chunked))
        self.chunked = chunked

    def strip_rows(self, rows: Optional[int] = None) -> int:
        """Default: about one input chunk of units per band (at most chunked.STRIP_BYTES),
        so each chunk is read by few bands."""
        return self.chunked.default_rows() if rows is None else super().strip_rows(rows)

    def _draw(self, win: Window, out: Optional[np.ndarray]) -> np.ndarray:
        import dask

        p = self.chunked
        units = p.display_units[p.spec.strip_units(win.r0, win.r1)]
        block = _dask_graph.take_units(p.bank, p.axis, units) if units.size else None
        task = dask.delayed(_strip_task.render_band, pure=True)(block, p.spec, win.r0, win.r1, units)
        (band,) = _dask_graph.compute([task], p.scheduler)
        y0, y1, x0, x1 = win.pixel_box()
        part = band[:, x0:x1]
        if out is None:
            return part
        out[...] = part
        return out


def chunked_mosaic(weights: Any, *, scheduler: Any = None, **options: Any) -> ChunkedMosaic:
    """fasttile.mosaic for dask and zarr banks: the order and the global range are dask
    reductions now; each band is a dask task when drawn."""
    if "out" in options:
        raise TypeError("mosaic() draws on demand: pass out= to render_rows / render_region instead")
    return ChunkedMosaic(plan(weights, scheduler=scheduler, **options))
