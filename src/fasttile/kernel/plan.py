"""Everything about a render except the weights, resolved and validated, and the one
description of the grid's geometry: which cell shows display tile t, which tile a cell
shows, and which pixel rows a run of grid rows covers. Every Python place that maps
tiles to cells (the NumPy backend, mosaics, chunked bands, tile facts, captions) calls
these; the kernel holds the same rule in C++ (cpp/fasttile/cells.hpp)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np


@dataclass(frozen=True)
class Plan:
    mode: str  # "tile", "symmetric", "range" (lo, hi) or "fixed-symmetric" (hi = max |x|)
    lo: float
    hi: float
    nrows: int
    ncols: int
    column_fill: bool
    padding: int
    zoom: int
    pad_value: tuple[int, int, int]
    lut: Optional[np.ndarray]  # (256, 3) uint8 for gray tiles in an RGB mosaic
    mark_nonfinite: bool
    marker: tuple[int, int, int]
    threads: int
    # lo, hi of a global range scanned from these same values, none of them non-finite:
    # every value lies inside, so the kernel ranges no tile again (kernel_mode). A hint
    # only: the NumPy backend's bytes are the same without it.
    scanned: bool = False

    @property
    def kernel_mode(self) -> str:
        """The mode as the kernel's binding takes it (cpp/python/module.cpp normalization)."""
        return kernel_mode(self.mode, self.scanned)

    def cell_of(self, t: Any) -> tuple[Any, Any]:
        """(row, col) of display tile t (an int or an integer array): row by row, or
        column by column with column_fill."""
        return cell_of(t, self.nrows, self.ncols, self.column_fill)


def kernel_mode(mode: str, scanned: bool) -> str:
    """A fixed mode named for the kernel: "scanned-range" / "scanned-symmetric" when its
    range came from a scan of the same values that found them all finite."""
    if scanned and mode in _SCANNED:
        return _SCANNED[mode]
    return mode


_SCANNED = {"range": "scanned-range", "fixed-symmetric": "scanned-symmetric"}


def cell_of(t: Any, nrows: int, ncols: int, column_fill: bool) -> tuple[Any, Any]:
    """(row, col) of display tile t (an int or an integer array) in an nrows x ncols grid."""
    return (t % nrows, t // nrows) if column_fill else (t // ncols, t % ncols)


def tile_at(row: int, col: int, nrows: int, ncols: int, column_fill: bool) -> int:
    """The display tile cell (row, col) shows (it may be past the last tile)."""
    return col * nrows + row if column_fill else row * ncols + col


def pixel_rows(r0: int, r1: int, cell_h: int, padding: int, nrows: int) -> tuple[int, int]:
    """Pixel rows [y0, y1) of grid rows [r0, r1): each run starts with the padding above
    its first row; the last grid row also carries the outer bottom edge."""
    return r0 * cell_h, r1 * cell_h + (padding if r1 == nrows else 0)
