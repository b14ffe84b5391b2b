"""Keras 3: a model from the inputs to the chosen layers' outputs, run in inference mode."""

from __future__ import annotations

import sys
from typing import Any

from ._callable import host_array
from ._names import check_layers


def accepts(model: Any) -> bool:
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(model, keras.Model)


def run(model: Any, inputs: Any, names: list[str]) -> tuple[dict, str]:
    keras = sys.modules["keras"]
    known = [layer.name for layer in model.layers]
    check_layers(names, known, f"the Keras model {model.name!r}")
    try:
        model_inputs = model.inputs
    except (AttributeError, ValueError):
        model_inputs = None
    if not model_inputs:
        raise ValueError(
            f"the Keras model {model.name!r} has no defined inputs yet: build it on a keras.Input "
            "(functional or Sequential with an Input layer) or call it once first"
        )
    unique = list(dict.fromkeys(names))
    # one input is given bare, so the probe takes a batch the way the model does
    spec = model_inputs[0] if len(model_inputs) == 1 else model_inputs
    probe = keras.Model(spec, [model.get_layer(n).output for n in unique])
    results = probe(inputs, training=False)
    if not isinstance(results, (list, tuple)):
        results = [results]
    arrays = {n: host_array(r) for n, r in zip(unique, results)}
    channels_last = keras.config.image_data_format() == "channels_last"
    return arrays, "nhwc" if channels_last else "nchw"
