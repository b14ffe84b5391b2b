"""Which weights fasttile.log shows: the layers of a PyTorch module, a Keras model or a dict
of tensors, named by their module path, and the default choice (the first conv layer, and
the first dense layer when it reads the images themselves)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from ..tiling.layout import infer_tile_shape


@dataclass(frozen=True)
class Layer:
    name: str  # module path ("features.0"), Keras layer path, or the dict key
    weight: Any  # the framework's tensor, untouched until it is logged
    layout: Optional[str]  # fasttile layout of `weight` (None: render's default for its ndim)
    kind: str  # "conv", "dense" or "tensor"


def _torch_layers(model: Any) -> Iterator[Layer]:
    import torch

    for path, module in model.named_modules():
        weight = getattr(module, "weight", None)
        if not isinstance(weight, torch.Tensor):
            continue
        if isinstance(module, torch.nn.modules.conv._ConvNd) and weight.ndim == 4 and not module.transposed:
            yield Layer(path, weight, "oihw", "conv")
        elif isinstance(module, torch.nn.Linear):
            yield Layer(path, weight, "rows", "dense")


def _keras_walk(layers: Sequence[Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for layer in layers:
        path = f"{prefix}{layer.name}"
        inner = getattr(layer, "layers", None)
        if inner:  # a nested model or block: its own layers carry the weights
            yield from _keras_walk(inner, path + "/")
        else:
            yield path, layer


def _keras_layers(model: Any) -> Iterator[Layer]:
    import keras

    for path, layer in _keras_walk(model.layers, ""):
        kernel = getattr(layer, "kernel", None)
        if kernel is None:
            continue
        if isinstance(layer, keras.layers.Conv2D) and len(kernel.shape) == 4:
            yield Layer(path, kernel, "hwio", "conv")
        elif isinstance(layer, keras.layers.Dense) and len(kernel.shape) == 2:
            yield Layer(path, kernel, "cols", "dense")


def _is_torch_module(obj: Any) -> bool:
    return any(c.__module__.startswith("torch.nn") and c.__name__ == "Module" for c in type(obj).__mro__)


def _is_keras_model(obj: Any) -> bool:
    return any(c.__module__.startswith("keras") and c.__name__ == "Layer" for c in type(obj).__mro__)


def all_layers(source: Any) -> list[Layer]:
    """Every loggable layer of `source`, in definition order."""
    if isinstance(source, Mapping):
        return [
            Layer(str(k), v, None, "tensor") for k, v in source.items() if len(getattr(v, "shape", ())) > 1
        ]
    if _is_keras_model(source):  # first: with the torch backend a Keras model is a torch Module too
        return list(_keras_layers(source))
    if _is_torch_module(source):
        return list(_torch_layers(source))
    raise TypeError(
        "fasttile.log needs a torch.nn.Module, a Keras model or a dict of tensors, "
        f"got {type(source).__name__}"
    )


def _reads_images(layer: Layer) -> bool:
    """A dense layer fed the raw images: its input width is h*h or h*h*3."""
    inputs = layer.weight.shape[1] if layer.layout == "rows" else layer.weight.shape[0]
    try:
        infer_tile_shape(int(inputs))
    except ValueError:
        return False
    return True


def default_layers(layers: list[Layer]) -> list[Layer]:
    """The first conv layer; and the first dense layer if nothing comes before it (so its
    inputs are the images) and its input width is image-shaped. A dict: all of its tensors."""
    if any(layer.kind == "tensor" for layer in layers):
        return layers
    chosen = [layer for layer in layers if layer.kind == "conv"][:1]
    if layers and layers[0].kind == "dense" and _reads_images(layers[0]):
        chosen.insert(0, layers[0])
    return chosen


def _lookup(layers: list[Layer], name: str) -> Layer:
    by_name = {layer.name: layer for layer in layers}
    for candidate in (name, name.removesuffix(".weight"), name.removesuffix("/kernel")):
        if candidate in by_name:
            return by_name[candidate]
    # compare with the names as state dicts spell them too ("conv1.weight", "dense/kernel")
    aliases = {alias: n for n in by_name for alias in (n, f"{n}.weight", f"{n}/kernel")}
    close = dict.fromkeys(aliases[a] for a in difflib.get_close_matches(name, list(aliases), n=5, cutoff=0.6))
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    listing = ", ".join(list(by_name)[:20]) + (", ..." if len(by_name) > 20 else "")
    raise ValueError(f"no layer named {name!r}{hint} (loggable layers: {listing or 'none'})")


def pick_layers(source: Any, names: Optional[Sequence[str]]) -> list[Layer]:
    """The layers to log: `names` (module paths or dict keys), or the default choice."""
    layers = all_layers(source)
    if isinstance(names, str):
        names = [names]
    if names is not None:
        if not names:
            raise ValueError("layers is empty; pass None for the default layers or a list of names")
        return [_lookup(layers, name) for name in names]
    chosen = default_layers(layers)
    if not chosen:
        what = (
            "dict holds no 2-D, 3-D or 4-D tensor"
            if isinstance(source, Mapping)
            else "model has no conv layer and no dense layer reading images"
        )
        raise ValueError(f"nothing to log: the {what} (name the layers to log with layers=[...])")
    return chosen
