"""Which units a mosaic shows and in what order: `indices=`, `order=`, `top=` and
`dead=`, resolved to an array of unit numbers (never a copy of the bank)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..kernel.view import TileView
from .stats import dead_mask, unit_stats


def _indices(view: TileView, indices: Any) -> Optional[np.ndarray]:
    """The selected outer units (None: all of them, in order). Cheap: no data is read."""
    n = view.units
    sel: Optional[np.ndarray] = None
    if isinstance(indices, slice):
        sel = np.arange(n, dtype=np.int64)[indices]
    elif indices is not None:
        idx = np.asarray(indices)
        if idx.ndim != 1:
            raise ValueError(f"indices must be one-dimensional, got shape {idx.shape}")
        if idx.dtype.kind == "b":
            if idx.shape[0] != n:
                raise ValueError(f"a boolean indices mask needs {n} entries, got {idx.shape[0]}")
            idx = np.flatnonzero(idx)
        elif idx.size and idx.dtype.kind not in "iu":
            raise ValueError(f"indices must be integers, a boolean mask or a slice, got dtype {idx.dtype}")
        idx = idx.astype(np.int64)
        bad = np.flatnonzero((idx < -n) | (idx >= n))
        if bad.size:
            k = int(bad[0])
            raise IndexError(f"indices[{k}] = {int(idx[k])} is out of range for {n} tiles")
        sel = np.where(idx < 0, idx + n, idx)
    if sel is not None and sel.size == 0:
        raise ValueError("indices selects no tiles")
    return sel


ORDERS = ("index", "norm", "variance", "max_abs")
DEAD_MODES = ("hide", "only", "mark")  # mark: draw every unit; viewers dim the dead ones


def _check_order(order: str, top: Optional[int], dead: Any = None) -> Optional[int]:
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(map(repr, ORDERS))}, got {order!r}")
    mode, threshold = dead if isinstance(dead, tuple) and len(dead) == 2 else (dead, None)
    if mode is not None and (
        mode not in DEAD_MODES
        or (threshold is not None and not (isinstance(threshold, (int, float)) and threshold >= 0))
    ):
        raise ValueError(
            f"dead must be None, 'hide', 'only', 'mark' or (mode, norm threshold >= 0), got {dead!r}"
        )
    if top is None:
        return None
    if not hasattr(top, "__index__") or isinstance(top, bool) or int(top) < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}")
    return int(top)


def dead_mode(dead: Any) -> tuple[Optional[str], Optional[float]]:
    """(mode, threshold) of a dead= value: None, "hide", "only", "mark" or (mode, threshold)."""
    return dead if isinstance(dead, tuple) and len(dead) == 2 else (dead, None)


def _sort_key(stats: np.ndarray, order: str) -> np.ndarray:
    if order == "variance":
        return stats[:, 2]
    return np.maximum(np.abs(stats[:, 3]), np.abs(stats[:, 4]))  # max_abs


# Below this many units the stable sort is as fast (1024 keys: 12.3 against 12.1 us).
_UNSTABLE_FROM = 1 << 14


def descending_order(key: np.ndarray) -> np.ndarray:
    """np.argsort(-key, kind="stable"): largest first, equal keys in index order, NaN
    last. For many units, NumPy's unstable sort (vectorized), then the units in runs of
    equal keys put back in index order by one sort of their (run, index) pairs
    (benchmarks/bench_order.py)."""
    neg = -key
    if neg.size < _UNSTABLE_FROM:
        return np.argsort(neg, kind="stable")
    order = np.argsort(neg)
    ranked = neg[order]
    nan = np.isnan(ranked)
    tied = (ranked[1:] == ranked[:-1]) | (nan[1:] & nan[:-1])  # with the next along the order
    if not tied.any():
        return order
    run = np.cumsum(np.concatenate(([True], ~tied)))  # which run of equal keys, along the order
    members = np.zeros(neg.size, bool)
    members[1:] |= tied
    members[:-1] |= tied
    at = np.flatnonzero(members)
    n = np.int64(neg.size)
    order[at] = np.sort(run[at] * n + order[at]) % n  # each run's units ascending, runs kept in place
    return order


def _select_dead(view: TileView, sel: Optional[np.ndarray], dead: Any, threads: int) -> np.ndarray:
    """dead="hide": drop dead units (constant, or L2 norm at most a threshold: by default
    1e-3 of the largest norm in the selection); dead="only": keep only them. Reads the
    selection once; the number left decides the grid."""
    mode, threshold = dead if isinstance(dead, tuple) else (dead, None)
    base = sel if sel is not None else np.arange(view.units, dtype=np.int64)
    keep = dead_mask(unit_stats(view, sel, threads), threshold) == (mode == "only")
    if not keep.any():
        raise ValueError(f"dead={dead!r} leaves no tiles to show")
    return base[keep]


def _ordered(
    view: TileView, sel: Optional[np.ndarray], order: str, top: Optional[int], backend, threads: int
) -> Optional[np.ndarray]:
    """The shown units in display order: largest L2 norm, variance or max |value| first
    when asked (this reads the whole selection, so it runs after every cheap check),
    then the first `top`."""
    if order != "index":
        base = sel if sel is not None else np.arange(view.units, dtype=np.int64)
        if order == "norm":
            key = backend.unit_sq_norms(view, sel, threads)
        else:
            key = _sort_key(unit_stats(view, sel, threads), order)  # one pass, every statistic
        sel = base[descending_order(key)]
    if top is not None:
        sel = (sel if sel is not None else np.arange(view.units, dtype=np.int64))[:top]
    return None if sel is None else np.ascontiguousarray(sel, dtype=np.int64)
