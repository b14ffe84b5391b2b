"""capture(model, inputs, layers): the chosen layers' outputs for one batch, as NumPy.

The framework is recognised from the model's type; each adapter (one module per
framework) runs the model once and returns {layer name: array} plus the layout of
each array ("nchw" for PyTorch and ONNX, "nhwc" for Keras and Flax, None when unknown).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable, Optional, Union

import numpy as np

from . import _callable, _jax, _keras, _onnx, _torch
from ._names import layer_names


class Activations(dict):
    """{layer name: numpy array} with `.layouts`: {layer name: "nchw", "nhwc" or None}."""

    def __init__(self, arrays: dict, layouts: dict) -> None:
        super().__init__(arrays)
        self.layouts = dict(layouts)

    def layout(self, name: str) -> Optional[str]:
        """The array's layout when it holds maps (4-D), else None."""
        return self.layouts.get(name) if np.ndim(self[name]) == 4 else None


def _adapter(model: Any) -> Callable[[Any, Any, list[str]], tuple[dict, Optional[str]]]:
    # Keras first: on the torch backend a Keras model is also a torch.nn.Module
    for adapter in (_keras, _torch, _jax, _onnx):
        if adapter.accepts(model):
            return adapter.run
    if callable(model):
        return _callable.run
    raise TypeError(
        f"cannot capture from a {type(model).__name__}: pass a torch.nn.Module, a Keras model, "
        "a (flax module, variables) pair, an ONNX model (path or ModelProto) or a callable returning a dict"
    )


def run_adapter(
    model: Any, inputs: Any, names: list[str], keep: Optional[Callable] = None
) -> tuple[dict, Any]:
    """({name: output}, layout), each output passed through keep(array, layout) when given.
    PyTorch calls keep inside its hook on the tensor's memory, so a reduction (as
    top_examples makes per batch) needs no copy of the layer's output."""
    adapter = _adapter(model)
    if adapter is _torch.run:
        return _torch.run(model, inputs, names, keep)
    arrays, layout = adapter(model, inputs, names)
    if keep is not None:
        arrays = {n: keep(a, layout) for n, a in arrays.items()}
    return arrays, layout


def capture(model: Any, inputs: Any, layers: Union[str, Iterable[str]]) -> Activations:
    """Run `model` on `inputs` once and return the outputs of `layers` as NumPy arrays.

    model
        A torch.nn.Module (forward hooks; run in eval mode with no gradients, every hook
        removed and each module's train/eval mode restored, also on error; a module
        called twice in one forward gives its first output), a Keras 3
        model, a Flax module with its variables as ``(module, variables)``, an ONNX model
        (a path or an onnx.ModelProto, run by onnxruntime), or any callable returning
        a dict of arrays.
    inputs
        The batch, as the model takes it (a tuple is passed as several arguments).
    layers
        A name or a list of names as the framework spells them ("layer1.0.conv1",
        "conv2d_1", "Conv_0"). An unknown name raises ValueError listing close ones.

    Returns an `Activations` dict; `.layouts[name]` is "nchw" (PyTorch, ONNX), "nhwc"
    (Keras, Flax) or None (a callable), which feature_maps() and top_examples() use.
    """
    names = layer_names(layers)
    arrays, layout = run_adapter(model, inputs, names)
    return Activations({n: arrays[n] for n in names}, {n: layout for n in names})
