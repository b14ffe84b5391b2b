"""Bands of image rows for the streaming writers, drawn into buffers they own.

A band source says which pixel rows each band covers and draws a band into a
caller's buffer. For a Mosaic a band is a run of whole grid rows drawn by one
kernel call straight into the writer's buffer (the padding below a band is drawn
too and overwritten by the next band, which starts with the same padding rows);
for an image already in memory a band is a slice of its rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Protocol, Union

import numpy as np

STRIP_BYTES = 8 << 20  # the one default strip size: large enough to amortize a kernel call


class GridMosaic(Protocol):
    """What a band source needs of a mosaic drawn by grid rows (fasttile.Mosaic and the
    chunked one): codecs stay below the render layer and never import it."""

    shape: tuple[int, ...]
    padding: int
    cell_height: int
    channels: int
    nrows: int

    def strip_rows(self, rows: Optional[int]) -> int: ...
    def pixel_rows(self, r0: int, r1: int) -> tuple[int, int]: ...
    def render_band(self, r0: int, r1: int, out: Any = None) -> Any: ...


@dataclass(frozen=True)
class Band:
    index: int
    y0: int
    y1: int  # rows the band contributes to the image


class MosaicBands:
    def __init__(self, mosaic: GridMosaic, rows: Optional[int] = None, band_bytes: int = STRIP_BYTES):
        self.mosaic = mosaic
        self.shape = mosaic.shape
        self.extra_rows = mosaic.padding  # drawn below each band (next band's top padding)
        if rows is None:
            row_bytes = mosaic.cell_height * mosaic.shape[1] * mosaic.channels
            rows = min(mosaic.nrows, max(1, band_bytes // row_bytes))
        self._step = mosaic.strip_rows(rows)  # validated: a positive integer
        self.bands = [self._band(k, r0) for k, r0 in enumerate(range(0, mosaic.nrows, self._step))]

    def _band(self, k: int, r0: int) -> Band:
        r1 = min(self.mosaic.nrows, r0 + self._step)
        y0, y1 = self.mosaic.pixel_rows(r0, r1)
        return Band(k, y0, y1)

    def max_rows(self) -> int:
        return max(b.y1 - b.y0 for b in self.bands) + self.extra_rows

    def draw(self, band: Band, out: np.ndarray) -> None:
        """Draw band rows into out[: band rows + extra_rows]."""
        m = self.mosaic
        r0 = band.index * self._step
        r1 = min(m.nrows, r0 + self._step)
        rows = (r1 - r0) * m.cell_height + m.padding
        m.render_band(r0, r1, out=out[:rows])


class ArrayBands:
    def __init__(self, image: np.ndarray, rows: Optional[int] = None, band_bytes: int = STRIP_BYTES):
        if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
            raise ValueError(f"expected a uint8 (H, W) or (H, W, 3) image, got {image.dtype} {image.shape}")
        self.image = image
        self.shape = image.shape
        self.extra_rows = 0
        row_bytes = max(1, image.shape[1] * (3 if image.ndim == 3 else 1))
        if rows is not None and (not isinstance(rows, int) or isinstance(rows, bool) or rows < 1):
            raise ValueError(f"rows must be a positive integer, got {rows!r}")
        step = rows or max(1, band_bytes // row_bytes)
        h = image.shape[0]
        self.bands = [Band(k, y, min(h, y + step)) for k, y in enumerate(range(0, h, step))]

    def max_rows(self) -> int:
        return max(b.y1 - b.y0 for b in self.bands)

    def draw(self, band: Band, out: np.ndarray) -> None:
        out[: band.y1 - band.y0] = self.image[band.y0 : band.y1]


BandSource = Union[MosaicBands, ArrayBands]


def band_source(image_or_mosaic, rows: Optional[int] = None, band_bytes: int = STRIP_BYTES) -> BandSource:
    if hasattr(image_or_mosaic, "render_band"):  # a Mosaic: drawn band by band
        return MosaicBands(image_or_mosaic, rows, band_bytes)
    return ArrayBands(np.asarray(image_or_mosaic), rows, band_bytes)
