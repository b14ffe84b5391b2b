"""One band task of to_zarr: draw grid rows [r0, r1) and write them into the level arrays,
plus the driver's check of which bands a resumed write still owes.

A band's rows start on a chunk boundary of every level (to_zarr picks the band height a
multiple of the chunk height, and of 2**levels for a pyramid), so the chunks a band
writes are written by no other task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..kernel.reduce import reduce2
from .ome import stored
from .strip_task import StripSpec, render_strip


@dataclass(frozen=True)
class ZarrTarget:
    """The level arrays (level 0 first; pickled to the workers) and their axis order."""

    arrays: tuple
    ngff: bool  # RGB stored (c, y, x) as NGFF wants, else as render returns it

    def write(self, pixels: np.ndarray, y0: int) -> None:
        for level, array in enumerate(self.arrays):
            if level:
                pixels = reduce2(pixels)
            y = y0 >> level
            if self.ngff and pixels.ndim == 3:
                array[:, y : y + pixels.shape[0]] = stored(pixels)
            else:
                array[y : y + pixels.shape[0]] = pixels

    def band_written(self, y0: int, y1: int) -> bool:
        """Whether every chunk holding mosaic rows [y0, y1), at every level, exists."""
        from zarr.core.sync import sync

        for level, array in enumerate(self.arrays):
            row_axis = 1 if self.ngff and array.ndim == 3 else 0
            for key in _chunk_keys(array, row_axis, y0 >> level, -(-y1 // 2**level)):
                if not sync(array.store_path.store.exists(key)):
                    return False
        return True


def _chunk_keys(array: Any, row_axis: int, y0: int, y1: int) -> list[str]:
    grid = tuple(getattr(array, "shards", None) or array.chunks)
    counts = [-(-n // c) for n, c in zip(array.shape, grid)]
    first, stop = y0 // grid[row_axis], min(counts[row_axis], -(-y1 // grid[row_axis]))
    ranges = [range(n) for n in counts]
    ranges[row_axis] = range(first, stop)
    prefix = f"{array.path}/" if array.path else ""
    keys = []
    for idx in np.ndindex(*(len(r) for r in ranges)):
        coords = tuple(r[i] for r, i in zip(ranges, idx))
        keys.append(prefix + array.metadata.encode_chunk_key(coords))
    return keys


def write_band(
    block: Any, spec: StripSpec, r0: int, r1: int, bank_units: Sequence[int], target: ZarrTarget
) -> tuple[int, int]:
    """Draw grid rows [r0, r1) and write them, level 0 first; returns (r0, r1)."""
    pixels = render_strip(block, spec, r0, r1, bank_units)
    target.write(pixels, spec.pixel_rows(r0, r1)[0])
    return r0, r1
