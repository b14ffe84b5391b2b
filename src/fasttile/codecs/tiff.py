"""TIFF through tifffile: tiled (256 x 256), BigTIFF when the file can pass 4 GB,
streamed one band of 256 pixel rows at a time, so a 50k x 50k mosaic is written in
a few tens of MB. Readers that open tiled TIFFs lazily (QuPath, napari, tifffile
itself) then show any part without decoding the rest."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import closing
from typing import Any, BinaryIO, Callable, Optional, Protocol, Union

import numpy as np

from .._atomic import atomic_path
from .._extras import require
from .file_sink import Writeback
from .pipeline import prefetched

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


def _bands(m: RegionMosaic) -> Iterator[tuple[int, np.ndarray]]:
    """(y0, band of TILE pixel rows), drawn one band ahead on a thread."""
    height, width = m.shape[:2]
    starts = range(0, height, TILE)
    drawn = prefetched(lambda y0: m.render_region(y0, min(height, y0 + TILE), 0, width), starts)
    with closing(drawn):
        yield from zip(starts, drawn)


def _tiles(
    m: RegionMosaic, progress: Optional[Callable[[int, int], Any]], writeback: Writeback, f: BinaryIO
) -> Iterator[np.ndarray]:
    """The mosaic's 256 x 256 tiles in row-major order, edge tiles padded with zeros."""
    height, width = m.shape[:2]
    tile = np.zeros((TILE, TILE) + tuple(m.shape[2:]), np.uint8)
    with closing(_bands(m)) as bands:  # closed with this generator: the drawing thread stops
        for y0, band in bands:
            if y0:  # tifffile stops pulling after the last tile
                writeback.advance(f.tell())
                if progress is not None:
                    progress(y0, height)
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
    # "r+b": the temporary exists, empty; truncating it would make ext4 flush it all at close
    with atomic_path(path) as temp, open(temp, "r+b") as f:
        tiles = _tiles(m, progress, Writeback(f.fileno()), f)
        # closed on an error too (tifffile's traceback would keep it, and its thread, alive)
        with closing(tiles), tifffile.TiffWriter(f, bigtiff=int(np.prod(m.shape)) >= _CLASSIC_LIMIT) as tif:
            tif.write(
                tiles,
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
