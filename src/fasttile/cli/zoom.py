"""The command line's picture size: small mosaics are zoomed until people can see them.

`fasttile.render` and `fasttile.save` keep their exact defaults (zoom 1, padding 1);
only the command line picks a zoom when none is given, and then grows the padding with
that zoom unless one is given, so tiles stay visibly apart. A zoom given on the command
line draws the same picture as the same zoom= in Python (padding 1 unless given).
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

from ..kernel.arrays import as_weights
from ..tiling.grid import layout_grid
from ..tiling.hints import LayoutWarning
from ..tiling.layout import resolve
from ..tiling.selection import _indices

AUTO_ZOOM_TARGET = 512  # the CLI zooms small mosaics until the longer side reaches this
AUTO_ZOOM_MAX_SIDE = 4096
AUTO_ZOOM_MAX = 32
# the help of the flags whose default the command line chooses
AUTO_ZOOM_HELP = {
    "zoom": "integer upscaling of every tile (default: the picture about 512 px)",
    "padding": "pixels between tiles (default 1, growing with an automatic zoom)",
}


def padding_for(zoom: int) -> int:
    """Padding that stays visible as tiles grow: 1 up to zoom 4, then about zoom / 3."""
    return max(1, (zoom + 1) // 3)


def _cells(tensor: Any, options: dict) -> tuple[int, int, int, int]:
    """(nrows, ncols, tile height, tile width) of the mosaic at zoom 1, from the shape
    and options alone (no data is read)."""
    arr, dtype = as_weights(tensor)
    keys = ("layout", "tile_shape", "channel_order", "channel", "bgr")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LayoutWarning)  # render warns, once
        view = resolve(arr, dtype, **{k: options[k] for k in keys if k in options})
    selection = _indices(view, options.get("indices"))
    units = view.units if selection is None else len(selection)
    units = min(units, options.get("top") or units)
    inner = view.shape[1]
    grid = layout_grid(
        units * inner,
        view.shape[3],
        view.shape[4],
        nrows=options.get("nrows"),
        ncols=options.get("ncols"),
        padding=0,
        zoom=1,
        natural_ncols=inner if view.split_channels and inner > 1 else None,
    )
    return grid.nrows, grid.ncols, view.shape[3], view.shape[4]


def mosaic_size(cells: tuple[int, int, int, int], zoom: int, padding: int) -> tuple[int, int]:
    nrows, ncols, h, w = cells
    return nrows * (h * zoom + padding) + padding, ncols * (w * zoom + padding) + padding


def choose_zoom(tensor: Any, options: dict) -> tuple[int, int, Optional[tuple[int, int]]]:
    """(zoom, padding, (height, width)): the smallest zoom whose mosaic's longer side
    reaches AUTO_ZOOM_TARGET pixels, without passing AUTO_ZOOM_MAX_SIDE or
    AUTO_ZOOM_MAX; padding grows with it. Options given win."""
    zoom, padding = options.get("zoom"), options.get("padding")
    if zoom is not None and padding is None:
        padding = 1  # a zoom given: the library's picture, padding and all
    try:
        cells = _cells(tensor, options)
    except (ValueError, TypeError, IndexError):
        return zoom or 1, padding if padding is not None else padding_for(zoom or 1), None  # render says why
    if zoom is None:
        zoom = 1
        while zoom < AUTO_ZOOM_MAX:
            pad = padding if padding is not None else padding_for(zoom)
            if max(mosaic_size(cells, zoom, pad)) >= AUTO_ZOOM_TARGET:
                break
            bigger = padding if padding is not None else padding_for(zoom + 1)
            if max(mosaic_size(cells, zoom + 1, bigger)) > AUTO_ZOOM_MAX_SIDE:
                break
            zoom += 1
    padding = padding if padding is not None else padding_for(zoom)
    return zoom, padding, mosaic_size(cells, zoom, padding)


def auto_zoomed(tensor: Any, options: dict) -> dict:
    """The options with the zoom and padding the command line picks when not given."""
    zoom, padding, _ = choose_zoom(tensor, options)
    return {**options, "zoom": zoom, "padding": padding}
