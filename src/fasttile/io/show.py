"""fasttile.show: draw the mosaic with matplotlib, pixel for pixel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .._extras import require
from ..kernel.backends import pick
from ..tiling.options import takes_render_options
from ..tiling.render import render_detailed

if TYPE_CHECKING:  # the typed keywords, for type checkers only
    from typing_extensions import Unpack

    from ..tiling.typed_options import DrawOptions


@takes_render_options(exclude=("out",))
def show(
    weights: Any,
    ax: Any = None,
    *,
    captions: Optional[str] = None,
    title: Optional[str] = None,
    **options: Unpack[DrawOptions],
) -> Any:
    """Render `weights` (same options as render) into a matplotlib Axes and return
    the AxesImage. The uint8 mosaic goes to imshow as is (nearest interpolation,
    gray with vmin=0, vmax=255), so matplotlib does not requantize it.

    captions: None, "index" (the tile's index in the bank) or "norm" (its L2 norm).
    """
    plt = require("matplotlib.pyplot", "show", "fasttile.show")

    if captions not in (None, "index", "norm"):
        raise ValueError(f"captions must be None, 'index' or 'norm', got {captions!r}")
    done = render_detailed(weights, **options)
    image = done.image
    if ax is None:
        _, ax = plt.subplots()
    if image.ndim == 2:
        artist = ax.imshow(image, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    else:
        artist = ax.imshow(image, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    if captions:
        _label_tiles(ax, done, captions, weights)
    return artist


def _label_tiles(ax: Any, done: Any, captions: str, weights: Any) -> None:
    view = done.view
    tiles = (view.units if done.selection is None else len(done.selection)) * view.shape[1]
    norms = None
    if captions == "norm":
        # the shown units only, in display order: norms[t // inner] belongs to tile t
        norms = np.sqrt(pick("auto").unit_sq_norms(view, done.selection, 1))
    for t in range(tiles):
        y, x = done.tile_origin(t)
        text = str(done.unit_of(t)) if norms is None else f"{norms[t // view.shape[1]]:.2g}"
        ax.text(
            x,
            y,
            text,
            fontsize=6,
            color="yellow",
            va="top",
            ha="left",
            bbox={"facecolor": "black", "alpha": 0.5, "pad": 0.5, "linewidth": 0},
        )
