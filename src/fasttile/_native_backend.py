"""The compiled kernel behind the same calls as the NumPy backend."""

from __future__ import annotations

from typing import Optional

import numpy as np

from ._layout import TileView
from ._plan import Plan

try:
    from . import _core
except ImportError as exc:  # pragma: no cover - exercised by the fallback test
    _core = None
    IMPORT_ERROR: Optional[ImportError] = exc
else:
    IMPORT_ERROR = None


def available() -> bool:
    return _core is not None


def _view_args(view: TileView, indices: Optional[np.ndarray]) -> dict:
    return {
        "data": view.data,
        "dtype": view.dtype,
        "offset": view.offset,
        "shape": view.shape,
        "strides": view.strides,
        "indices": indices,
    }


def render(
    view: TileView, indices: Optional[np.ndarray], plan: Plan, out: np.ndarray
) -> tuple[int, list[int]]:
    assert _core is not None
    return _core.render(
        **_view_args(view, indices),
        channel_mean=view.channel_mean,
        mode=plan.mode,
        lo=plan.lo,
        hi=plan.hi,
        nrows=plan.nrows,
        ncols=plan.ncols,
        column_fill=plan.column_fill,
        padding=plan.padding,
        zoom=plan.zoom,
        pad_value=plan.pad_value,
        lut=plan.lut,
        mark_nonfinite=plan.mark_nonfinite,
        marker=plan.marker,
        out=out,
        threads=plan.threads,
    )


def scan_range(
    view: TileView, indices: Optional[np.ndarray], threads: int
) -> tuple[float, float, tuple[int, list[int]]]:
    assert _core is not None
    return _core.scan_range(**_view_args(view, indices), channel_mean=view.channel_mean, threads=threads)


def unit_sq_norms(view: TileView, indices: Optional[np.ndarray], threads: int) -> np.ndarray:
    assert _core is not None
    return _core.unit_sq_norms(**_view_args(view, indices), threads=threads)


def unit_stats(view: TileView, indices: Optional[np.ndarray], threads: int) -> np.ndarray:
    """(shown units, 6) float64: sum_sq, mean, variance, min, max, nonfinite_count (see STAT_COLUMNS)."""
    assert _core is not None
    return _core.unit_stats(**_view_args(view, indices), threads=threads)
