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

from ._map_scores import MapScores
from ._running_top import RunningTop
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
    top, state = RunningTop(int(k)), {"seen": 0, "fires": None, "map_shape": None}

    def reduce(array: np.ndarray, captured: Optional[str]) -> None:
        # runs inside the framework's hook, on the output's own memory: everything the
        # batch contributes (scores, the merge, the new entries' positions) is taken now
        chosen = maps_layout(array.shape, layout, captured, layer) if array.ndim != 2 else None
        batch = MapScores(array, chosen, by)
        if array.ndim == 4:
            state["map_shape"] = array.shape[2:] if chosen == "nchw" else array.shape[1:3]
        fired = np.count_nonzero(batch.peak > 0, axis=0)
        state["fires"] = fired if state["fires"] is None else state["fires"] + fired
        top.merge(batch, state["seen"])
        state["seen"] += array.shape[0]

    for batch in batches_of(data, batch_size):
        run_adapter(model, batch, [layer], keep=reduce)
    if not state["seen"]:
        raise ValueError("data holds no inputs")
    return _result(layer, by, top, state["fires"], state["seen"], state["map_shape"])


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
