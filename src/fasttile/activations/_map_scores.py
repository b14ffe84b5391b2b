"""One batch's activations reduced per (input, unit): the score, the spatial peak, and
on demand the position of the peak.

Positions are asked for only for the few (input, unit) pairs that enter a running top k,
so the full argmax pass is skipped: a batch costs one max (and one mean for by="mean").
"""

from __future__ import annotations

import sys
from typing import Optional

import numpy as np

_TORCH_FLOATS = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.float16))


def _max_over(array: np.ndarray, axis: int) -> np.ndarray:
    """np.max(array, axis), through torch's vectorized amax when torch is already loaded:
    NumPy reduces many short rows (an 8x8 map per row) several times slower. Both
    propagate NaN; a maximum is exact, so the values agree."""
    torch = sys.modules.get("torch")
    if torch is not None and array.dtype in _TORCH_FLOATS and array.flags.writeable:
        return torch.from_numpy(array).amax(dim=axis).numpy()
    return array.max(axis=axis)


class MapScores:
    """Scores and peaks, each (batch, units), of a batch of maps (nchw or nhwc) or of a
    dense layer's (batch, units) outputs (their own scores, without positions)."""

    def __init__(self, acts: np.ndarray, layout: Optional[str], by: str) -> None:
        self.layout = layout if acts.ndim == 4 else None
        if acts.ndim == 2:
            self.flat, self.axis = acts, None
            self.peak = self.scores = acts
            return
        n = acts.shape[0]
        if layout == "nchw":  # (N, C, H*W): reduce the last axis
            self.flat, self.axis = acts.reshape(n, acts.shape[1], -1), 2
        else:  # (N, H*W, C): reduce the middle axis, no transposed copy
            self.flat, self.axis = acts.reshape(n, -1, acts.shape[3]), 1
        self.peak = _max_over(self.flat, self.axis)
        self.scores = self.peak if by == "max" else self.flat.mean(axis=self.axis, dtype=np.float64)

    @property
    def has_maps(self) -> bool:
        return self.axis is not None

    def positions(self, inputs: np.ndarray, units: np.ndarray) -> np.ndarray:
        """The flat index (y * W + x) of the first maximum of each (input, unit) map."""
        if self.axis == 2:
            maps = self.flat[inputs, units]  # (m, H*W)
        else:
            maps = self.flat[inputs, :, units]  # (m, H*W): fancy indices first
        return maps.argmax(axis=1) if len(maps) else np.zeros(0, np.int64)
