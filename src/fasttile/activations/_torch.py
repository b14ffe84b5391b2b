"""PyTorch: forward hooks on named modules, in eval mode with no gradients."""

from __future__ import annotations

import sys
from typing import Any, Callable, Optional

import numpy as np

from .._extras import require
from ._names import check_layers


def accepts(model: Any) -> bool:
    torch = sys.modules.get("torch")  # a torch model means torch is imported already
    return torch is not None and isinstance(model, torch.nn.Module)


def _view(value: Any, name: str) -> np.ndarray:
    """The output as NumPy, sharing the tensor's memory when it is on the CPU."""
    torch = sys.modules["torch"]
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], torch.Tensor):
        value = value[0]  # (output, state) modules such as nn.LSTM: the output
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"layer {name!r} returned a {type(value).__name__}, not a tensor")
    return value.detach().cpu().numpy()


def _as_inputs(model: Any, inputs: Any) -> tuple:
    """The model's positional arguments, on its device; float arrays in its float type."""
    torch = sys.modules["torch"]
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    dtype = param.dtype if param is not None and param.dtype.is_floating_point else torch.float32
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    converted = []
    for a in args:
        if isinstance(a, np.ndarray):
            a = torch.from_numpy(np.ascontiguousarray(a))
        if isinstance(a, torch.Tensor):
            a = a.to(device=device, dtype=dtype if a.is_floating_point() else a.dtype)
        converted.append(a)
    return tuple(converted)


def run(model: Any, inputs: Any, names: list[str], keep: Optional[Callable] = None) -> tuple[dict, str]:
    """{name: a copy of the output}, or {name: keep(output, "nchw")} computed inside the hook
    on the tensor's own memory (a later in-place op, such as ReLU(inplace=True) after a
    BatchNorm, would change it: so either a copy or a reduction right away)."""
    torch = require("torch", "torch", "capturing a PyTorch model's activations")
    modules = dict(model.named_modules())
    check_layers(names, [n for n in modules if n], f"the {type(model).__name__} model")
    outputs: dict[str, np.ndarray] = {}

    def keeper(name: str):
        def hook(module: Any, args: Any, output: Any) -> None:
            if name in outputs:
                return  # a module called again in the same forward: its first output counts
            view = _view(output, name)
            outputs[name] = keep(view, "nchw") if keep is not None else view.copy()

        return hook

    modes = [(m, m.training) for m in model.modules()]
    handles = []
    try:
        for name in dict.fromkeys(names):
            handles.append(modules[name].register_forward_hook(keeper(name)))
        model.eval()
        with torch.no_grad():
            model(*_as_inputs(model, inputs))
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
    missing = [n for n in names if n not in outputs]
    if missing:
        raise ValueError(f"layer {missing[0]!r} was not called by the model's forward, so it has no output")
    return outputs, "nchw"
