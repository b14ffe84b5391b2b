"""top_examples: per unit, the k inputs of a dataset that excite it most, in one pass.

Memory is units x k whatever the dataset's size: each batch's scores are merged into
the running top k and dropped. The order is exact: value descending, ties broken by
the lower dataset index, the same as a stable argsort of the full (inputs x units)
score matrix (NaN scores rank last, as in NumPy's sort).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .capture import run_adapter
from .feature_maps import maps_layout

BY = ("max", "mean")


@dataclass(frozen=True)
class TopExamples:
    """The result of top_examples(); arrays are per unit (channel or neuron)."""

    layer: str
    by: str
    indices: np.ndarray  # (units, k) int64 dataset indices, best first
    values: np.ndarray  # (units, k) the scores of those inputs (spatial max or mean)
    frequency: np.ndarray  # (units,) fraction of inputs on which the unit fires (max > 0)
    argmax_position: Optional[np.ndarray]  # (units, k, 2) (y, x) of the map's max; None for dense units
    count: int  # inputs seen
    map_shape: Optional[tuple[int, int]]  # (H, W) of a unit's activation map, None for dense units

    @property
    def units(self) -> int:
        return self.indices.shape[0]

    @property
    def k(self) -> int:
        return self.indices.shape[1]

    def facts(self, unit: int) -> dict:
        """What a viewer shows for one unit: frequency, top values and dataset indices."""
        return {
            "unit": int(unit),
            "frequency": float(self.frequency[unit]),
            "top_values": [float(v) for v in self.values[unit]],
            "top_indices": [int(i) for i in self.indices[unit]],
        }


def unit_scores(
    acts: np.ndarray, layout: str, by: str
) -> tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """(scores, spatial max, flat argmax position), each (batch, units); dense layers'
    activations are their own scores and have no position."""
    if acts.ndim == 2:
        return acts, acts, None
    n = acts.shape[0]
    if layout == "nchw":  # one row per map: argmax along rows, then gather the peaks by flat index
        rows = acts.reshape(-1, acts.shape[2] * acts.shape[3])
        position = rows.argmax(axis=1)
        peak = rows.ravel().take(np.arange(rows.shape[0]) * rows.shape[1] + position)
        flat, axis = rows.reshape(n, acts.shape[1], -1), 2
        position, peak = position.reshape(n, -1), peak.reshape(n, -1)
    else:  # (N, H*W, C): reduce the middle axis, no transposed copy
        flat, axis = acts.reshape(n, -1, acts.shape[3]), 1
        position, peak = flat.argmax(axis=axis), flat.max(axis=axis)
    scores = peak if by == "max" else flat.mean(axis=axis, dtype=np.float64)
    return scores, peak, position


class RunningTop:
    """The best k (value, index, position) per unit seen so far, best first."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.values: Optional[np.ndarray] = None
        self.indices: Optional[np.ndarray] = None
        self.positions: Optional[np.ndarray] = None

    def merge(self, scores: np.ndarray, first_index: int, positions: Optional[np.ndarray]) -> None:
        units, batch = scores.shape[1], scores.shape[0]
        values = scores.T
        indices = np.broadcast_to(np.arange(first_index, first_index + batch, dtype=np.int64), (units, batch))
        pos = positions.T if positions is not None else None
        if self.values is not None and self.values.shape[1] == self.k:
            # an input can only enter where it beats a unit's worst kept value (an equal one
            # loses: the kept input has the lower index), so the others are not sorted
            useful = np.flatnonzero(_beats(values, self.values[:, -1:]).any(axis=0))
            values, indices = values[:, useful], indices[:, useful]
            pos = pos[:, useful] if pos is not None else None
        if self.values is not None:
            # kept entries come first: they are already best-first with lower indices
            # than any new one, so a stable sort breaks every tie by the lower index
            values = np.concatenate([self.values, values.astype(self.values.dtype, copy=False)], axis=1)
            indices = np.concatenate([self.indices, indices], axis=1)
            if pos is not None:
                pos = np.concatenate([self.positions, pos], axis=1)
        order = np.argsort(_descending_key(values), axis=1, kind="stable")[:, : self.k]
        self.values = np.take_along_axis(values, order, 1)
        self.indices = np.take_along_axis(indices, order, 1)
        self.positions = np.take_along_axis(pos, order, 1) if pos is not None else None


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


def batches_of(data: Any, batch_size: int) -> Iterator[Any]:
    """Arrays and tensors are cut into batches; any other iterable yields batches (an
    (inputs, labels) pair, as a DataLoader gives, keeps the inputs)."""
    if hasattr(data, "shape") and hasattr(data, "__getitem__"):
        for start in range(0, int(data.shape[0]), batch_size):
            yield data[start : start + batch_size]
        return
    if not isinstance(data, Iterable):
        raise TypeError(
            f"data must be an array, a tensor or an iterable of batches, got {type(data).__name__}"
        )
    for item in data:
        yield item[0] if isinstance(item, (tuple, list)) else item


def top_examples(
    model: Any,
    data: Any,
    layer: str,
    k: int = 9,
    by: str = "max",
    *,
    batch_size: int = 256,
    layout: Optional[str] = None,
) -> TopExamples:
    """Stream `data` through `model` once and keep, per unit of `layer`, the k inputs
    with the largest activation (`by`: the map's spatial "max" or "mean"; a dense
    layer's unit is its value). `data` is an array or tensor (cut into `batch_size`
    batches), or an iterable of batches such as a torch DataLoader. Dataset indices
    count inputs in the order they arrive. Memory: units x k, never the dataset.
    """
    if by not in BY:
        raise ValueError(f"by must be 'max' or 'mean', got {by!r}")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    top, seen, fires, map_shape = RunningTop(int(k)), 0, None, None

    def reduce(array: np.ndarray, captured: Optional[str]) -> tuple:
        chosen = maps_layout(array.shape, layout, captured, layer) if array.ndim != 2 else None
        shape = None
        if array.ndim == 4:
            shape = array.shape[2:] if chosen == "nchw" else array.shape[1:3]
        return (*unit_scores(array, chosen, by), shape)

    for batch in batches_of(data, batch_size):
        kept, _ = run_adapter(model, batch, [layer], keep=reduce)
        scores, peak, position, map_shape = kept[layer]
        fired = np.count_nonzero(peak > 0, axis=0)
        fires = fired if fires is None else fires + fired
        top.merge(scores, seen, position)
        seen += scores.shape[0]
    if not seen:
        raise ValueError("data holds no inputs")
    return _result(layer, by, top, fires, seen, map_shape)


def _result(layer: str, by: str, top: RunningTop, fires: Any, seen: int, map_shape: Any) -> TopExamples:
    positions = None
    if top.positions is not None and map_shape is not None:
        positions = np.stack(np.divmod(top.positions, map_shape[1]), axis=-1).astype(np.int64)
    return TopExamples(
        layer=layer,
        by=by,
        indices=top.indices,
        values=top.values,
        frequency=fires / seen,
        argmax_position=positions,
        count=seen,
        map_shape=tuple(int(s) for s in map_shape) if map_shape is not None else None,
    )
