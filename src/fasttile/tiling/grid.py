"""Mosaic geometry, torchvision's: cells of (tile * zoom + padding), plus an outer
padding edge, ncols = ceil(sqrt(N)) unless told otherwise."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Grid:
    nrows: int
    ncols: int
    padding: int
    zoom: int
    height: int  # mosaic pixels
    width: int


def _positive(name: str, value: object, minimum: int) -> int:
    if not hasattr(value, "__index__") or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    v = int(value.__index__())  # type: ignore[attr-defined]
    if v < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {v}")
    return v


def layout_grid(
    tiles: int,
    tile_h: int,
    tile_w: int,
    *,
    nrows: Optional[int],
    ncols: Optional[int],
    padding: int,
    zoom: int,
    natural_ncols: Optional[int] = None,
    channels: int = 1,
) -> Grid:
    """Rows and columns for `tiles` tiles. `natural_ncols` is the default width when
    channels are split (one filter per grid row)."""
    padding = _positive("padding", padding, 0)
    zoom = _positive("zoom", zoom, 1)
    if nrows is not None:
        nrows = _positive("nrows", nrows, 1)
    if ncols is not None:
        ncols = _positive("ncols", ncols, 1)
    if ncols is None and nrows is None:
        ncols = natural_ncols if natural_ncols else math.isqrt(tiles - 1) + 1
        nrows = -(-tiles // ncols)
    elif ncols is None:
        assert nrows is not None
        ncols = -(-tiles // nrows)
    elif nrows is None:
        nrows = -(-tiles // ncols)
    elif nrows * ncols < tiles:
        raise ValueError(f"a grid of nrows={nrows} x ncols={ncols} cannot hold {tiles} tiles")
    height = nrows * (tile_h * zoom + padding) + padding
    width = ncols * (tile_w * zoom + padding) + padding
    if height * width * channels >= 2**63:
        raise ValueError(f"the mosaic would be {height} x {width} pixels, which overflows 64-bit sizes")
    return Grid(nrows, ncols, padding, zoom, height, width)
