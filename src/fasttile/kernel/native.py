"""The compiled kernel behind the same calls as the NumPy backend."""

from __future__ import annotations

from typing import Optional

import numpy as np

from .plan import Plan
from .view import TileView

try:
    from . import _core
except ImportError as exc:  # pragma: no cover - exercised by the fallback test
    _core = None
    IMPORT_ERROR: Optional[ImportError] = exc
else:
    IMPORT_ERROR = None


def available() -> bool:
    return _core is not None


def _view_args(view: TileView, indices: Optional[np.ndarray]) -> tuple:
    # Positional, in the binding's order: pybind11 matches keywords by name on every call,
    # which costs more than the kernel itself on a tiny bank.
    return (view.data, view.dtype, view.offset, view.shape, view.strides, indices)


def render(
    view: TileView, indices: Optional[np.ndarray], plan: Plan, out: np.ndarray
) -> tuple[int, list[int]]:
    assert _core is not None
    return _core.render(
        *_view_args(view, indices),
        view.channel_mean,
        plan.kernel_mode,
        plan.lo,
        plan.hi,
        plan.nrows,
        plan.ncols,
        plan.column_fill,
        plan.padding,
        plan.zoom,
        plan.pad_value,
        plan.lut,
        plan.mark_nonfinite,
        plan.marker,
        out,
        plan.threads,
    )


def scan_range(
    view: TileView, indices: Optional[np.ndarray], threads: int
) -> tuple[float, float, tuple[int, list[int]]]:
    assert _core is not None
    return _core.scan_range(*_view_args(view, indices), view.channel_mean, threads)


def unit_sq_norms(view: TileView, indices: Optional[np.ndarray], threads: int) -> np.ndarray:
    assert _core is not None
    return _core.unit_sq_norms(*_view_args(view, indices), threads)


def unit_stats(view: TileView, indices: Optional[np.ndarray], threads: int) -> np.ndarray:
    """(shown units, 6) float64: sum_sq, mean, variance, min, max, nonfinite_count (see
    _numpy_backend.STAT_COLUMNS)."""
    assert _core is not None
    return _core.unit_stats(*_view_args(view, indices), threads)
