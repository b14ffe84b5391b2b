""".npy output of fasttile.save: a memory-mappable uint8 array of any size, drawn band
by band straight into its memory map."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .._atomic import atomic_path
from ..codecs.bands import MosaicBands
from .registry import Writer, register_writer


def write(path: Any, m: Any, *, progress: Any = None, rows: Any = None, threads: Any = None) -> None:
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


register_writer(Writer("npy", (".npy",), write))
