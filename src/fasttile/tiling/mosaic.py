"""fasttile.mosaic: a mosaic described but not yet drawn, rendered in parts.

Every writer (PNG, TIFF, .npy, pyramids, chunked stores) and every viewer draws the
mosaic a band of grid rows (or a rectangle of cells) at a time from one `Mosaic`.
The work that needs the whole bank (an order by norm, a global range) is done once,
when the Mosaic is made; each part is then one kernel call over just the tiles it
shows, byte-identical to the same pixels of `render` (docs/design.md, "Strips").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, Optional

import numpy as np

from ..codecs.bands import STRIP_BYTES
from ..codecs.preview import preview_of
from ..kernel.plan import cell_of, pixel_rows, tile_at
from .checks import _allocate
from .prepare import Prepared
from .window import Window, tile_selection, window_of_cells, window_of_pixels


class Mosaic:
    """The mosaic of `fasttile.mosaic(W, **options)`: geometry now, pixels on demand.

    Display tile t shows outer unit ``units[t // inner]``, channel ``t % inner``
    (``inner`` is 1 unless channels are split into gray tiles).
    """

    def __init__(self, prepared: Prepared):
        # Parts are drawn later, perhaps after the caller changed the values: they take
        # the ranged draw, not a scanned range's (Plan.scanned), so a value changed since
        # the scan is clamped, or reported if not finite, as render would.
        self._prep = replace(prepared, plan=replace(prepared.plan, scanned=False))
        self._tile_units = tile_selection(prepared.view, prepared.selection)

    # -- geometry ---------------------------------------------------------------
    @property
    def view(self):
        return self._prep.view

    @property
    def shape(self) -> tuple[int, ...]:
        return self._prep.shape

    @property
    def channels(self) -> int:
        return 3 if len(self.shape) == 3 else 1

    @property
    def nrows(self) -> int:
        return self._prep.plan.nrows

    @property
    def ncols(self) -> int:
        return self._prep.plan.ncols

    @property
    def padding(self) -> int:
        return self._prep.plan.padding

    @property
    def zoom(self) -> int:
        return self._prep.plan.zoom

    @property
    def threads(self) -> int:
        return self._prep.plan.threads

    @property
    def column_fill(self) -> bool:
        return self._prep.plan.column_fill

    @property
    def tile_height(self) -> int:
        return self.view.shape[3] * self.zoom

    @property
    def tile_width(self) -> int:
        return self.view.shape[4] * self.zoom

    @property
    def cell_height(self) -> int:
        return self.tile_height + self.padding

    @property
    def cell_width(self) -> int:
        return self.tile_width + self.padding

    @property
    def inner(self) -> int:
        return self.view.shape[1]

    @property
    def units(self) -> np.ndarray:
        """Outer unit (index into the caller's bank) of each shown unit, in display order."""
        sel = self._prep.selection
        return sel if sel is not None else np.arange(self.view.units, dtype=np.int64)

    @property
    def tiles(self) -> int:
        return len(self.units) * self.inner

    def cell_of_tile(self, t: int) -> tuple[int, int]:
        if not 0 <= t < self.tiles:
            raise IndexError(f"display tile {t} is out of range for {self.tiles} tiles")
        return cell_of(t, self.nrows, self.ncols, self.column_fill)

    def tile_at(self, row: int, col: int) -> Optional[int]:
        if not (0 <= row < self.nrows and 0 <= col < self.ncols):
            raise IndexError(f"cell ({row}, {col}) is outside the {self.nrows} x {self.ncols} grid")
        t = tile_at(row, col, self.nrows, self.ncols, self.column_fill)
        return t if t < self.tiles else None

    def pixel_rows(self, r0: int, r1: int) -> tuple[int, int]:
        """Pixel rows [y0, y1) of grid rows [r0, r1); the last grid row carries the outer edge."""
        self._check_rows(r0, r1)
        return pixel_rows(r0, r1, self.cell_height, self.padding, self.nrows)

    # -- pixels -----------------------------------------------------------------
    def render_rows(self, r0: int, r1: int, out: Optional[np.ndarray] = None) -> np.ndarray:
        """Pixel rows of grid rows [r0, r1): ``render(W)[y0:y1]`` with (y0, y1) = pixel_rows(r0, r1)."""
        y0, y1 = self.pixel_rows(r0, r1)
        return self.render_region(y0, y1, 0, self.shape[1], out=out)

    def band_shape(self, r0: int, r1: int) -> tuple[int, ...]:
        """Shape of render_band(r0, r1): the rows of [r0, r1) and the padding below them."""
        self._check_rows(r0, r1)
        return ((r1 - r0) * self.cell_height + self.padding,) + tuple(self.shape[1:])

    def render_band(self, r0: int, r1: int, out: Optional[np.ndarray] = None) -> np.ndarray:
        """Pixel rows [r0 * cell_height, r1 * cell_height + padding): grid rows [r0, r1)
        with the padding on both sides, drawn by one kernel call straight into `out`
        (any uint8 array of band_shape, rows may be strided). Consecutive bands overlap
        by `padding` rows of pad_value; writers that own their buffers use this to
        avoid a copy."""
        if out is not None:
            self._check_out(out, self.band_shape(r0, r1))
        return self._draw(window_of_cells(self, r0, r1, 0, self.ncols), out)

    def render_region(
        self, y0: int, y1: int, x0: int, x1: int, out: Optional[np.ndarray] = None
    ) -> np.ndarray:
        """Any pixel rectangle, ``render(W)[y0:y1, x0:x1]``; only the cells it overlaps are read."""
        height, width = self.shape[:2]
        if not (0 <= y0 < y1 <= height and 0 <= x0 < x1 <= width):
            raise ValueError(
                f"region [{y0}:{y1}, {x0}:{x1}] is empty or outside the {height} x {width} mosaic"
            )
        win = window_of_pixels(self, y0, y1, x0, x1)
        target = self._region_out(out, (y1 - y0, x1 - x0))
        exact = target is not None and win.pixel_box() == (y0, y1, x0, x1)
        drawn = self._draw(win, target if exact else None)
        if exact:
            return target
        part = drawn[y0 - win.top : y1 - win.top, x0 - win.left : x1 - win.left]
        if target is None:
            return part
        target[...] = part
        return target

    def strips(self, rows: Optional[int] = None) -> Iterator[tuple[int, np.ndarray]]:
        """(y0, pixels) bands covering the mosaic top to bottom, `rows` grid rows each."""
        step = self.strip_rows(rows)
        for r0 in range(0, self.nrows, step):
            r1 = min(self.nrows, r0 + step)
            yield r0 * self.cell_height, self.render_rows(r0, r1)

    def strip_rows(self, rows: Optional[int] = None) -> int:
        """Grid rows per strip: `rows`, or about STRIP_BYTES of pixels."""
        if rows is None:
            row_bytes = self.cell_height * self.shape[1] * self.channels
            return max(1, min(self.nrows, STRIP_BYTES // max(1, row_bytes)))
        if not hasattr(rows, "__index__") or isinstance(rows, bool) or int(rows) < 1:
            raise ValueError(f"rows must be a positive integer, got {rows!r}")
        return int(rows)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        image = self.render_rows(0, self.nrows)
        return image if dtype is None else image.astype(dtype)

    def _repr_png_(self) -> bytes:
        """A notebook's view: a downscaled preview of a few MB at most, never the whole mosaic."""
        return preview_of(self)

    def __repr__(self) -> str:
        shape = " x ".join(map(str, self.shape))
        return f"<fasttile.Mosaic {shape}: {self.tiles} tiles in {self.nrows} x {self.ncols} cells>"

    # -- internals --------------------------------------------------------------
    def _check_rows(self, r0: int, r1: int) -> None:
        if not (0 <= r0 < r1 <= self.nrows):
            raise ValueError(f"grid rows [{r0}, {r1}) are empty or outside 0..{self.nrows}")

    def _region_out(self, out: Optional[np.ndarray], hw: tuple[int, int]) -> Optional[np.ndarray]:
        if out is None:
            return None
        return self._check_out(out, hw + self.shape[2:])

    @staticmethod
    def _check_out(out: Any, want: tuple) -> np.ndarray:
        """render()'s rules: TypeError for what is no uint8 array, ValueError for its shape."""
        if not isinstance(out, np.ndarray) or out.dtype != np.uint8:
            got = f"dtype {out.dtype}" if isinstance(out, np.ndarray) else type(out).__name__
            raise TypeError(f"out must be a uint8 array, got {got}")
        if out.shape != tuple(want):
            raise ValueError(f"out must have shape {tuple(want)}, got {out.shape}")
        return out

    def _draw(self, win: Window, out: Optional[np.ndarray]) -> np.ndarray:
        """Draw the cells of `win` (with their padding) into `out` or a new array."""
        prep = self._prep
        if out is None:
            out = _allocate(win.shape(self))
        if len(win.tiles) == 0:  # only empty cells: all padding
            out[...] = np.asarray(prep.plan.pad_value[: self.channels], dtype=np.uint8)
            return out
        view, selection = win.source(self._tile_units)
        count, bad = prep.impl.render(view, selection, win.plan(prep.plan), out)
        if count and not prep.plan.mark_nonfinite:
            prep.raise_nonfinite(count, win.display_tiles(bad))
        return out
