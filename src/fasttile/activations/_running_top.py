"""The best k inputs per unit seen so far, merged batch by batch.

The order is exact: value descending, ties broken by the lower dataset index, NaN last,
the same as np.argsort(-scores, axis=0, kind="stable") over the whole dataset.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ._map_scores import MapScores


def _beats(values: np.ndarray, worst: np.ndarray) -> np.ndarray:
    """values rank before worst in the stable descending order (NaN ranks last)."""
    with np.errstate(invalid="ignore"):
        return (values > worst) | (np.isnan(worst) & ~np.isnan(values))


def _descending_key(values: np.ndarray) -> np.ndarray:
    """Ascending in this key is descending in value, NaN last (as np.argsort(-v) does).
    Integers (a quantized model's outputs) are negated as floats: -x of a uint8 wraps."""
    if values.dtype.kind in "uib":
        values = values.astype(np.float64)
    return np.negative(values)


class RunningTop:
    """values, indices and (for maps) flat peak positions, each (units, <= k), best first."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.values: Optional[np.ndarray] = None
        self.indices: Optional[np.ndarray] = None
        self.positions: Optional[np.ndarray] = None

    def _candidates(self, scores: np.ndarray, first_index: int) -> tuple[np.ndarray, np.ndarray]:
        """This batch's (values, dataset indices) as (units, m), without the inputs that
        beat no unit's worst kept value (an equal one loses: the kept input has the lower
        index), so they are never sorted."""
        values = scores.T
        batch_rows = np.arange(values.shape[1])
        if self.values is not None and self.values.shape[1] == self.k:
            batch_rows = np.flatnonzero(_beats(values, self.values[:, -1:]).any(axis=0))
            values = values[:, batch_rows]
        indices = np.broadcast_to(first_index + batch_rows.astype(np.int64), values.shape)
        return values, indices

    def merge(self, batch: MapScores, first_index: int) -> None:
        values, indices = self._candidates(batch.scores, first_index)
        if self.values is not None:
            # kept entries come first: they are already best-first with lower indices
            # than any new one, so a stable sort breaks every tie by the lower index
            values = np.concatenate([self.values, values.astype(self.values.dtype, copy=False)], axis=1)
            indices = np.concatenate([self.indices, indices], axis=1)
        order = np.argsort(_descending_key(values), axis=1, kind="stable")[:, : self.k]
        self.values = np.take_along_axis(values, order, 1)
        kept_before = self.indices.shape[1] if self.indices is not None else 0
        self.indices = np.take_along_axis(indices, order, 1)
        if batch.has_maps:
            self._locate_new(batch, first_index, order, kept_before)

    def _locate_new(self, batch: MapScores, first_index: int, order: np.ndarray, kept_before: int) -> None:
        """Positions: kept entries keep theirs; entries from this batch are located now."""
        positions = np.zeros(order.shape, np.int64)
        if self.positions is not None:
            old = order < kept_before
            positions[old] = np.take_along_axis(self.positions, np.where(old, order, 0), 1)[old]
        new_units, new_slots = np.nonzero(order >= kept_before)
        inputs = self.indices[new_units, new_slots] - first_index
        positions[new_units, new_slots] = batch.positions(inputs, new_units)
        self.positions = positions
