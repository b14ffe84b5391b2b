"""fasttile.log: put a model's filters into TensorBoard or W&B, one exact mosaic per layer.

writer = SummaryWriter("runs/exp1")
fasttile.log(writer, model, step)                      # first conv (+ image-reading dense)
fasttile.log(run, model, step, layers=["features.0"])  # a W&B run, named layers
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from ..api import render
from ..kernel.arrays import as_weights
from ..tiling.grid import layout_grid
from ..tiling.layout import resolve
from ..tiling.options import takes_render_options
from .layers import Layer, pick_layers
from .sinks import sink_for

if TYPE_CHECKING:  # the typed keywords, for type checkers only
    from typing_extensions import Unpack

    from ..tiling.typed_options import DrawOptions

# Small kernels are zoomed (nearest neighbour, never blurred) until the mosaic's longer side
# reaches this many pixels: a 64x3x7x7 first layer becomes 289 px wide at zoom 5.
TARGET_SIDE = 256
MAX_AUTO_ZOOM = 16
_TILE_OPTIONS = ("tile_shape", "channel_order", "channel")


def host_tensor(weight: Any) -> Any:
    """`weight` readable on the CPU: detached torch tensors (copied only off a GPU), Keras
    variables as NumPy; anything else as it is."""
    detach = getattr(weight, "detach", None)
    if callable(detach) and hasattr(weight, "device"):  # torch
        weight = detach()
        return weight if weight.device.type == "cpu" else weight.to("cpu")
    if type(weight).__module__.startswith("keras"):
        import keras

        return keras.ops.convert_to_numpy(weight)
    return weight


def auto_zoom(weights: Any, options: dict) -> int:
    """The smallest zoom whose mosaic reaches TARGET_SIDE pixels (1 when already large)."""
    try:
        arr, dtype = as_weights(weights)
        view = resolve(
            arr, dtype, layout=options.get("layout"), **{k: options[k] for k in _TILE_OPTIONS if k in options}
        )
        tiles = view.units * view.shape[1]
        if options.get("top"):
            tiles = min(tiles, int(options["top"]) * view.shape[1])
        for zoom in range(1, MAX_AUTO_ZOOM + 1):
            grid = layout_grid(
                tiles,
                view.shape[3],
                view.shape[4],
                nrows=options.get("nrows"),
                ncols=options.get("ncols"),
                padding=options.get("padding", 1),
                zoom=zoom,
                natural_ncols=view.shape[1] if view.split_channels and view.shape[1] > 1 else None,
            )
            if max(grid.height, grid.width) >= TARGET_SIDE:
                return zoom
        return MAX_AUTO_ZOOM
    except (ValueError, TypeError):
        return 1  # render reports the bad option itself


def render_layer(layer: Layer, options: dict) -> np.ndarray:
    """The exact mosaic of one layer: its framework's layout, auto zoom unless told."""
    weights = host_tensor(layer.weight)
    opts = dict(options)
    if layer.layout is not None:
        opts.setdefault("layout", layer.layout)
    if "zoom" not in opts:
        opts["zoom"] = auto_zoom(weights, opts)
    return render(weights, **opts)


@takes_render_options(exclude=("out",))
def log(
    writer: Any,
    model_or_tensors: Any,
    step: int,
    layers: Optional[Sequence[str]] = None,
    *,
    prefix: str = "filters/",
    **options: Unpack[DrawOptions],
) -> dict[str, np.ndarray]:
    """Log the filters of `model_or_tensors` (a torch.nn.Module, a Keras model or a dict of
    tensors) to `writer` at `step`, one image per layer, tagged prefix + the module path.

    writer: torch.utils.tensorboard.SummaryWriter, tensorboardX.SummaryWriter, a tf.summary
    file writer, or a wandb run. layers: module paths (or dict keys); default: the first conv
    layer, and the first dense layer if it reads the images (an MLP); for a dict, all of it.
    options are fasttile.render's; zoom defaults to a nearest-neighbour zoom that makes
    small kernels visible. Only the logged layers are read (and copied off a GPU).
    Returns {layer name: the uint8 mosaic logged}.
    """
    if not hasattr(step, "__index__") or isinstance(step, bool):
        raise TypeError(f"step must be an integer, got {step!r}")
    sink = sink_for(writer)
    images = {}
    for layer in pick_layers(model_or_tensors, layers):
        image = render_layer(layer, options)
        sink(prefix + layer.name, image, int(step))
        images[layer.name] = image
    return images
