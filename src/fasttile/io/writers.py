"""The built-in writers behind fasttile.save, one per format, all streaming bands."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .._atomic import atomic_path
from ..codecs import png
from ..codecs.bands import MosaicBands
from ..codecs.tiff import write_tiff
from ..tiling.mosaic import Mosaic
from .save import writer


@writer(".png")
def _png(path, m: Mosaic, *, progress=None, rows=None, threads=None, level="fast") -> None:
    png.write_png(path, m, level=level, rows=rows, progress=progress, threads=threads)


@writer(".tif", ".tiff")
def _tiff(path, m: Mosaic, *, progress=None, rows=None, threads=None, compression=None) -> None:
    write_tiff(path, m, compression=compression, progress=progress, threads=threads)


@writer(".npy")
def _npy(path, m: Mosaic, *, progress=None, rows=None, threads=None) -> None:
    """A .npy file of the mosaic, drawn band by band straight into its memory map."""
    source = MosaicBands(m, rows)
    with atomic_path(path) as temp:
        mapped: Optional[Any] = np.lib.format.open_memmap(temp, mode="w+", dtype=np.uint8, shape=m.shape)
        try:
            for band in source.bands:
                source.draw(band, mapped[band.y0 :])
                if progress is not None:
                    progress(band.y1, m.shape[0])
            mapped.flush()
        finally:
            del mapped
