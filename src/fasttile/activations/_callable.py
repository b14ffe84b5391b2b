"""Any callable: model(inputs) returns {name: array} (or one array, named "output")."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ._names import check_layers


def host_array(value: Any) -> np.ndarray:
    """A NumPy array of a framework's result (torch tensors through .numpy(): their
    __array__ warns under NumPy 2 when asked not to copy)."""
    detach = getattr(value, "detach", None)
    if callable(detach):
        return detach().cpu().numpy()
    return np.asarray(value)


def run(model: Any, inputs: Any, names: list[str]) -> tuple[dict, Optional[str]]:
    result = model(inputs)
    if not isinstance(result, dict):
        result = {"output": result}
    check_layers(
        names, [str(k) for k in result], f"the output of {getattr(model, '__name__', 'the callable')}"
    )
    return {n: host_array(result[n]) for n in names}, None
