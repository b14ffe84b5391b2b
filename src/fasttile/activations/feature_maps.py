"""feature_maps(model, inputs, layer): a layer's activation maps, drawn by render."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..api import render
from .capture import capture

MAP_LAYOUTS = ("nchw", "nhwc")


def maps_layout(shape: tuple[int, ...], layout: Optional[str], captured: Optional[str], layer: str) -> str:
    """nchw/nhwc: the caller's choice, else the framework's, else nchw."""
    if len(shape) != 4:
        raise ValueError(
            f"layer {layer!r} gave activations of shape {shape}, not maps (N, C, H, W) or (N, H, W, C); "
            "draw a dense layer's outputs with fasttile.render(acts, tile_shape=(h, w))"
        )
    chosen = layout or captured or "nchw"
    if chosen not in MAP_LAYOUTS:
        raise ValueError(f"layout must be 'nchw' or 'nhwc' for feature maps, got {chosen!r}")
    return chosen


def feature_maps(
    model: Any, inputs: Any, layer: str, *, layout: Optional[str] = None, **options: Any
) -> np.ndarray:
    """Run `model` on `inputs` and draw `layer`'s activation maps as one uint8 mosaic.

    One input gives its C maps in a near-square grid; N inputs give one grid row per
    input (channel c in column c). Every render option applies, to channels: normalize
    ("tile": each map on its own range, "global": one range for the layer), cmap, zoom,
    indices/order/top (channels, ordered over all inputs), dead="hide" (channels that
    never fire on these inputs). `layout` overrides the framework's ("nchw" for PyTorch
    and ONNX, "nhwc" for Keras and Flax). The same array drawn directly is
    ``fasttile.render(acts, layout="nchw")``, which save, pyramid and browse take too.
    """
    acts = capture(model, inputs, [layer])
    array = acts[layer]
    chosen = maps_layout(array.shape, layout, acts.layout(layer), layer)
    return render(array, layout=chosen, **options)
