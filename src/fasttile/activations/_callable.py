"""Any callable: model(inputs) returns {name: array} (or one array, named "output")."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ._names import check_layers


def _host(value: Any) -> np.ndarray:
    detach = getattr(value, "detach", None)  # a torch tensor that needs no grad tracking
    if callable(detach):
        value = detach().cpu()
    return np.asarray(value)


def run(model: Any, inputs: Any, names: list[str]) -> tuple[dict, Optional[str]]:
    result = model(inputs)
    if not isinstance(result, dict):
        result = {"output": result}
    check_layers(
        names, [str(k) for k in result], f"the output of {getattr(model, '__name__', 'the callable')}"
    )
    return {n: _host(result[n]) for n in names}, None
