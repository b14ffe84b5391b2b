"""ONNX: the chosen tensors become graph outputs (onnx), then onnxruntime runs the graph.

A layer is a node name (its first output is kept) or a tensor name. The model is a path
to a .onnx file or an onnx.ModelProto; the batch is one array for the first graph input,
or a dict {input name: array}.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

from .._extras import require
from ._names import check_layers


def accepts(model: Any) -> bool:
    if isinstance(model, (str, os.PathLike)):
        return os.fspath(model).lower().endswith(".onnx")
    onnx = sys.modules.get("onnx")
    return onnx is not None and isinstance(model, onnx.ModelProto)


def load(model: Any) -> Any:
    onnx = require("onnx", "activations", "running an ONNX model")
    return model if isinstance(model, onnx.ModelProto) else onnx.load(os.fspath(model))


def layers(proto: Any) -> list[tuple[str, str, str]]:
    """(name, op type, output tensor) of every node, in graph order; unnamed nodes go by
    their output tensor's name."""
    return [
        (node.name or node.output[0], node.op_type, node.output[0])
        for node in proto.graph.node
        if node.output
    ]


def tensor_of(proto: Any, names: list[str]) -> dict[str, str]:
    """{layer name: tensor name} for node names and tensor names alike."""
    by_node = {name: tensor for name, _, tensor in layers(proto)}
    tensors = {out for node in proto.graph.node for out in node.output}
    tensors.update(i.name for i in proto.graph.input)
    check_layers(names, list(by_node) + sorted(tensors - set(by_node)), "the ONNX model")
    return {n: by_node.get(n, n) for n in names}


def input_feed(session: Any, inputs: Any) -> dict:
    if isinstance(inputs, dict):
        return {k: np.asarray(v) for k, v in inputs.items()}
    first = session.get_inputs()[0]
    array = np.asarray(inputs)
    kinds = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(float16)": np.float16}
    if first.type in kinds:
        array = array.astype(kinds[first.type], copy=False)
    return {first.name: array}


# The last session built, reused while the same model and layers come back: top_examples
# runs one batch at a time, and building a session costs far more than a small batch.
_last: dict = {}


def _session(model: Any, names: list[str]) -> tuple[Any, dict]:
    """(an onnxruntime session whose outputs include the layers' tensors, {layer: tensor})."""
    onnx = require("onnx", "activations", "running an ONNX model")
    ort = require("onnxruntime", "activations", "running an ONNX model")
    key = (os.fspath(model), os.path.getmtime(model)) if accepts_path(model) else id(model)
    key = (key, tuple(names))
    if _last.get("key") == key and (accepts_path(model) or _last.get("model") is model):
        return _last["session"], _last["tensors"]
    proto = onnx.ModelProto()
    proto.CopyFrom(load(model))  # outputs are added to a copy; the caller's model is unchanged
    tensors = tensor_of(proto, names)
    present = {o.name for o in proto.graph.output}
    for tensor in dict.fromkeys(tensors.values()):
        if tensor not in present:
            proto.graph.output.append(onnx.ValueInfoProto(name=tensor))
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    _last.update(key=key, model=model, session=session, tensors=tensors)
    return session, tensors


def accepts_path(model: Any) -> bool:
    return isinstance(model, (str, os.PathLike))


def run(model: Any, inputs: Any, names: list[str]) -> tuple[dict, str]:
    session, tensors = _session(model, names)
    wanted = list(dict.fromkeys(tensors.values()))
    results = dict(zip(wanted, session.run(wanted, input_feed(session, inputs))))
    return {n: np.asarray(results[t]) for n, t in tensors.items()}, "nchw"
