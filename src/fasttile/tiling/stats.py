"""Per-unit and per-tile statistics (sum of squares, mean, variance, min, max,
non-finite count), one pass of the backend over the bank, and the dead-unit rule that
`dead=`, the viewers and the chunked facts share."""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..kernel.backends import pick
from ..kernel.view import TileView

# A tile is dead when constant, or when its L2 norm is at most this fraction of the
# largest norm among the tiles considered (unless an absolute threshold is given).
DEAD_RELATIVE_NORM = 1e-3
STAT_COLUMNS = ("sum_sq", "mean", "variance", "min", "max", "nonfinite")


def unit_stats(view: TileView, indices: Optional[np.ndarray], threads: int) -> np.ndarray:
    """(units, 6) float64: sum of squares, mean, variance, min, max and non-finite
    count of each selected unit, over its finite values (all channels): the kernel's
    one pass (the NumPy backend when the kernel is missing)."""
    return pick("auto").unit_stats(view, indices, threads)


def _channel_view(view: TileView, c: int) -> TileView:
    """Channel c of a split view as a view of its own (one gray tile per unit)."""
    shape = (view.shape[0], 1) + view.shape[2:]
    strides = (view.strides[0], 0) + view.strides[2:]
    return TileView(
        view.data, view.dtype, view.offset + c * view.strides[1], shape, strides, view.channel_mean, False
    )


def tile_stats(view: TileView, units: np.ndarray, threads: int) -> np.ndarray:
    """(len(units) * inner, 6): the statistics of every display tile of these units, in
    display order (tile t shows units[t // inner], channel t % inner)."""
    inner = view.shape[1]
    if inner == 1:
        return unit_stats(view, units, threads)
    out = np.empty((len(units), inner, 6), dtype=np.float64)
    for c in range(inner):
        out[:, c] = unit_stats(_channel_view(view, c), units, threads)
    return out.reshape(-1, 6)


def dead_mask(stats: np.ndarray, threshold: Optional[float] = None) -> np.ndarray:
    """Dead rows of a stats table: all finite, and constant (min == max) or of L2 norm
    <= threshold (default: DEAD_RELATIVE_NORM times the largest finite norm among them)."""
    norms = np.sqrt(stats[:, 0])
    if threshold is None:
        finite = norms[np.isfinite(norms)]
        threshold = DEAD_RELATIVE_NORM * float(finite.max()) if finite.size else 0.0
    clean = stats[:, 5] == 0  # a tile with NaN or inf is a problem to see, never hidden as dead
    return clean & ((stats[:, 3] == stats[:, 4]) | (norms <= threshold))
