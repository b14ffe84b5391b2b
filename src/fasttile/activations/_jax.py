"""JAX/Flax (linen): `apply(..., capture_intermediates=True)` on a (module, variables) pair.

Names are the module paths joined by dots ("Conv_0", "Block_0.Dense_1"); the value kept
is the module's __call__ output (the last one when it is called more than once).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ._names import check_layers


def accepts(model: Any) -> bool:
    linen = sys.modules.get("flax.linen")
    return (
        linen is not None
        and isinstance(model, tuple)
        and len(model) == 2
        and isinstance(model[0], linen.Module)
    )


def _flatten(tree: Any, prefix: str, found: dict) -> None:
    for key, value in tree.items():
        if key == "__call__":
            found[prefix] = value[-1]
        elif hasattr(value, "items"):
            _flatten(value, f"{prefix}.{key}" if prefix else key, found)


def run(model: Any, inputs: Any, names: list[str]) -> tuple[dict, str]:
    module, variables = model
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    _, state = module.apply(variables, *args, capture_intermediates=True, mutable=["intermediates"])
    found: dict = {}
    _flatten(state.get("intermediates", {}), "", found)
    check_layers(names, [n for n in found if n], f"the {type(module).__name__} module")
    return {n: np.asarray(found[n]) for n in names}, "nhwc"
