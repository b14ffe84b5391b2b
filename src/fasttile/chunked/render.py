"""fasttile.render for dask and zarr banks: the plan's bands drawn as dask tasks,
into an in-memory mosaic or, band by band, into a zarr array."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..kernel.view import TileView
from ..tiling.checks import (
    _allocate,
    _check_out,
)
from . import dask_graph as _dask_graph
from .plan import plan
from .zarr_write import render_into_zarr


def render_chunked(
    weights: Any, *, out: Any = None, scheduler: Any = None, rows: Optional[int] = None, **options: Any
) -> Any:
    """fasttile.render for dask and zarr arrays: the same bytes, drawn band by band as dask
    tasks on `scheduler` (dask's default when None: a distributed Client if one is
    active, else threads). `out` may be a uint8 ndarray or a zarr array of the mosaic's
    shape (then each band task writes its own chunks and the zarr array is returned)."""
    if type(out).__module__.split(".")[0] == "zarr":
        return render_into_zarr(weights, out, scheduler=scheduler, rows=rows, **options)
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
