"""TIFF through tifffile: tiled (256 x 256), BigTIFF when the file can pass 4 GB,
streamed one band of 256 pixel rows at a time, so a 50k x 50k mosaic is written in
a few tens of MB. Readers that open tiled TIFFs lazily (QuPath, napari, tifffile
itself) then show any part without decoding the rest."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Callable, Optional, Protocol, Union

import numpy as np

from .._atomic import atomic_path
from .._extras import require

TILE = 256
COMPRESSIONS = (None, "zlib", "zstd")
_CLASSIC_LIMIT = 2**32 - (64 << 20)  # leave room for the tags and offsets


class RegionMosaic(Protocol):
    """What the TIFF writer needs of a mosaic (fasttile.Mosaic or the chunked one)."""

    shape: tuple[int, ...]

    def render_region(self, y0: int, y1: int, x0: int, x1: int) -> np.ndarray: ...


def _tifffile():
    return require("tifffile", "tiff", "writing TIFF")


def _check_compression(compression: Optional[str]) -> Optional[str]:
    if compression not in COMPRESSIONS:
        raise ValueError(f"compression must be one of None, 'zlib', 'zstd', got {compression!r}")
    if compression == "zstd":
        try:
            import imagecodecs  # noqa: F401
        except ImportError:
            raise ImportError("TIFF zstd compression needs imagecodecs: pip install imagecodecs") from None
    return compression


def _tiles(m: RegionMosaic, progress: Optional[Callable[[int, int], Any]]) -> Iterator[np.ndarray]:
    """The mosaic's 256 x 256 tiles in row-major order, edge tiles padded with zeros."""
    height, width = m.shape[:2]
    tile = np.zeros((TILE, TILE) + tuple(m.shape[2:]), np.uint8)
    for y0 in range(0, height, TILE):
        if progress is not None and y0:  # tifffile stops pulling after the last tile
            progress(y0, height)
        y1 = min(height, y0 + TILE)
        band = m.render_region(y0, y1, 0, width)
        for x0 in range(0, width, TILE):
            part = band[:, x0 : x0 + TILE]
            if part.shape[:2] == (TILE, TILE):
                yield part
                continue
            tile[...] = 0
            tile[: part.shape[0], : part.shape[1]] = part
            yield tile


def write_tiff(
    path: Union[str, os.PathLike],
    m: RegionMosaic,
    *,
    compression: Optional[str] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
    threads: Optional[int] = None,
) -> None:
    tifffile = _tifffile()
    compression = _check_compression(compression)
    rgb = len(m.shape) == 3
    with atomic_path(path) as temp:
        with tifffile.TiffWriter(temp, bigtiff=int(np.prod(m.shape)) >= _CLASSIC_LIMIT) as tif:
            tif.write(
                _tiles(m, progress),
                shape=m.shape,
                dtype=np.uint8,
                tile=(TILE, TILE),
                photometric="rgb" if rgb else "minisblack",
                compression=compression,
                maxworkers=threads,
                software="fasttile",
            )
        if progress is not None:
            progress(m.shape[0], m.shape[0])
