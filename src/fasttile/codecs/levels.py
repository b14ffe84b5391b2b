"""Zoom levels of a streamed mosaic: each level halves the one below by the 2x2 rule
(kernel/reduce.py), gathered in 256-row bands, so a whole pyramid (or a preview)
is built from strips in a few bands of memory whatever the mosaic's size."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..kernel.reduce import reduce2

TILE = 256


def level_sizes(height: int, width: int) -> list[tuple[int, int]]:
    """(height, width) of every zoom level, zoom 0 (fits one tile) first."""
    sizes = [(height, width)]
    while max(sizes[0]) > TILE:
        h, w = sizes[0]
        sizes.insert(0, (-(-h // 2), -(-w // 2)))
    return sizes


class Level:
    """One zoom level: gathers rows into a 256-row band, cuts each full band into tiles
    and hands its 2x2 reduction to the next coarser level."""

    def __init__(self, zoom: int, width: int, channels: int, sink: Any, coarser: Optional[Level]):
        self.zoom = zoom
        self.band = np.empty((TILE, width) + ((3,) if channels == 3 else ()), dtype=np.uint8)
        self.filled = 0
        self.tile_row = 0
        self.sink = sink
        self.coarser = coarser

    def push(self, rows: np.ndarray) -> None:
        start = 0
        while start < len(rows):
            take = min(TILE - self.filled, len(rows) - start)
            self.band[self.filled : self.filled + take] = rows[start : start + take]
            self.filled += take
            start += take
            if self.filled == TILE:
                self._flush()

    def finish(self) -> None:
        if self.filled:
            self._flush()
        if self.coarser is not None:
            self.coarser.finish()

    def _flush(self) -> None:
        band = self.band[: self.filled]
        self.sink.band(self.zoom, self.tile_row, band)
        if self.coarser is not None:
            self.coarser.push(reduce2(band))
        self.tile_row += 1
        self.filled = 0


class _Keep:
    """A band sink that keeps the bands of one zoom level (for previews)."""

    def __init__(self, zoom: int):
        self.zoom = zoom
        self.bands: list[np.ndarray] = []

    def band(self, zoom: int, tile_row: int, band: np.ndarray) -> None:
        if zoom == self.zoom:
            self.bands.append(band.copy())


def downscaled(strips: Any, shape: tuple[int, ...], steps: int) -> np.ndarray:
    """The mosaic halved `steps` times by the pyramid's rule, streamed from its strips:
    the same pixels as the pyramid's zoom max_zoom - steps."""
    keep = _Keep(0)
    coarser = None
    width = shape[1]
    widths = [width]
    for _ in range(steps):
        widths.append(-(-widths[-1] // 2))
    for zoom, w in enumerate(reversed(widths)):
        coarser = Level(zoom, w, 3 if len(shape) == 3 else 1, keep, coarser)
    assert coarser is not None
    for _, pixels in strips:
        coarser.push(pixels)
    coarser.finish()
    return np.concatenate(keep.bands)
