"""A rectangle of grid cells drawn on its own, as a small mosaic of its own.

The kernel draws "display tile k into cell k of an nrows x ncols grid". A window of
cells [r0, r1) x [c0, c1) of the full mosaic is such a grid too: list the display
tiles of its cells in fill order and hand the kernel exactly those tiles. Empty
cells only ever trail the fill order (the last grid row, or the last column when
filling by columns), so they trail the window's list as well, and the window's own
padding is the full mosaic's padding: the window's pixels equal the same pixels of
the full render byte for byte (docs/design.md, "Strips").

To list tiles one by one the window needs a view with one tile per unit. Split
channels (inner > 1) are flattened into such a view when the strides allow it
(unit-major as in OIHW, or channel-major as in HWIO); otherwise the window's units
are gathered into a small contiguous copy.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..kernel.numpy_backend import strided_view
from ..kernel.plan import Plan
from ..kernel.view import TileView


@dataclass(frozen=True)
class TileIndex:
    """How display tile t maps onto a one-tile-per-unit view: t shows unit
    units[t // inner] (all units in order when None), inner index t % inner."""

    base: TileView
    units: Optional[np.ndarray]
    inner: int
    flat: Optional[TileView]  # the view with inner flattened into units, if strides allow
    unit_major: bool  # flat key = unit * inner + i (else i * n_units + unit)

    def keys(self, tiles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(unit, inner index) of each display tile."""
        pos, i = np.divmod(tiles, self.inner)
        unit = self.units[pos] if self.units is not None else pos
        return unit, i


def tile_selection(view: TileView, selection: Optional[np.ndarray]) -> TileIndex:
    inner = view.shape[1]
    if inner == 1:
        return TileIndex(view, selection, 1, view, True)
    n, _, c, h, w = view.shape
    s_unit, s_inner = view.strides[0], view.strides[1]
    if s_unit == inner * s_inner:
        return TileIndex(view, selection, inner, _flatten(view, n * inner, s_inner), True)
    if s_inner == n * s_unit:
        return TileIndex(view, selection, inner, _flatten(view, n * inner, s_unit), False)
    return TileIndex(view, selection, inner, None, True)


def _flatten(view: TileView, count: int, stride: int) -> TileView:
    return dataclasses.replace(
        view,
        shape=(count, 1) + view.shape[2:],
        strides=(stride, 0) + view.strides[2:],
    )


@dataclass(frozen=True)
class Window:
    r0: int
    r1: int
    c0: int
    c1: int
    cell_h: int
    cell_w: int
    padding: int
    tiles: np.ndarray  # display tiles of the window's cells, in fill order (empty cells left out)

    @property
    def top(self) -> int:
        return self.r0 * self.cell_h

    @property
    def left(self) -> int:
        return self.c0 * self.cell_w

    def pixel_box(self) -> tuple[int, int, int, int]:
        """(y0, y1, x0, x1) of the window's pixels, its outer padding included."""
        return (
            self.top,
            self.r1 * self.cell_h + self.padding,
            self.left,
            self.c1 * self.cell_w + self.padding,
        )

    def shape(self, mosaic) -> tuple[int, ...]:
        y0, y1, x0, x1 = self.pixel_box()
        return (y1 - y0, x1 - x0) + tuple(mosaic.shape[2:])

    def plan(self, plan: Plan) -> Plan:
        return dataclasses.replace(plan, nrows=self.r1 - self.r0, ncols=self.c1 - self.c0)

    def display_tiles(self, window_tiles) -> list[int]:
        """Full-mosaic display tiles of the window's tiles k (for error messages)."""
        return [int(self.tiles[k]) for k in window_tiles]

    def source(self, index: TileIndex) -> tuple[TileView, Optional[np.ndarray]]:
        """A one-tile-per-unit view and the selection listing the window's tiles."""
        unit, i = index.keys(self.tiles)
        if index.flat is None:
            return _gathered(index.base, unit, i), None
        n = index.base.shape[0]
        keys = unit * index.inner + i if index.unit_major else i * n + unit
        return _contiguous_or_selected(index.flat, keys.astype(np.int64, copy=False))


def _contiguous_or_selected(view: TileView, keys: np.ndarray) -> tuple[TileView, Optional[np.ndarray]]:
    """A run of consecutive units becomes a narrower view (the kernel's fastest
    paths need no selection); anything else is a selection."""
    if len(keys) and keys[-1] - keys[0] == len(keys) - 1 and bool(np.all(np.diff(keys) == 1)):
        first = int(keys[0])
        narrowed = dataclasses.replace(
            view,
            offset=view.offset + first * view.strides[0],
            shape=(len(keys),) + view.shape[1:],
        )
        return narrowed, None
    return view, keys


def _gathered(view: TileView, unit: np.ndarray, i: np.ndarray) -> TileView:
    """The window's tiles copied side by side (strides that cannot be flattened)."""
    block = np.ascontiguousarray(strided_view(view)[unit, i])  # (tiles, C, h, w)
    return TileView(
        data=block,
        dtype=view.dtype,
        offset=0,
        shape=(block.shape[0], 1) + block.shape[1:],
        strides=(block.strides[0], 0) + block.strides[1:],
        channel_mean=view.channel_mean,
        split_channels=view.split_channels,
    )


def _fill_order_tiles(m, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    rows = np.arange(r0, r1, dtype=np.int64)[:, None]
    cols = np.arange(c0, c1, dtype=np.int64)[None, :]
    if m.column_fill:
        tiles = (cols * m.nrows + rows).T.ravel()  # column by column
    else:
        tiles = (rows * m.ncols + cols).ravel()
    return tiles[tiles < m.tiles]  # empty cells trail the fill order


def window_of_cells(m, r0: int, r1: int, c0: int, c1: int) -> Window:
    tiles = _fill_order_tiles(m, r0, r1, c0, c1)
    return Window(r0, r1, c0, c1, m.cell_height, m.cell_width, m.padding, tiles)


def window_of_pixels(m, y0: int, y1: int, x0: int, x1: int) -> Window:
    """The cells whose pixels (each with the padding before it) cover [y0, y1) x [x0, x1)."""
    r0 = min(y0 // m.cell_height, m.nrows - 1)
    r1 = min(m.nrows, (y1 - 1) // m.cell_height + 1)
    c0 = min(x0 // m.cell_width, m.ncols - 1)
    c1 = min(m.ncols, (x1 - 1) // m.cell_width + 1)
    return window_of_cells(m, r0, r1, c0, c1)
