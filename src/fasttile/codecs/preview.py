"""A notebook's preview of a mosaic: a PNG of a few MB at most, halved by the pyramid's
2x2 rule as often as needed, streamed from the mosaic's strips (never drawn whole)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np

from ..kernel.reduce import reduce2
from .levels import downscaled, level_sizes
from .png import check_level
from .tile_png import encode_tile

PREVIEW_BYTES = 2 << 20  # the most _repr_png_ sends to the front end
PREVIEW_SIDE = 1024


class StripMosaic(Protocol):
    """What a preview needs of a mosaic (fasttile.Mosaic or the chunked one)."""

    shape: tuple[int, ...]

    def strips(self) -> Iterator[tuple[int, np.ndarray]]: ...
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray: ...


def _png(image: np.ndarray) -> bytes:
    return encode_tile(np.ascontiguousarray(image), check_level(6))


def preview_of(m: StripMosaic, max_bytes: int = PREVIEW_BYTES, max_side: int = PREVIEW_SIDE) -> bytes:
    """A PNG of `m` halved until its larger side fits max_side and its file max_bytes."""
    if max_bytes < 1024 or max_side < 1:
        raise ValueError(
            f"max_bytes must be at least 1024 and max_side at least 1, got {max_bytes}, {max_side}"
        )
    sizes = level_sizes(*m.shape[:2])
    steps = 0
    while max(sizes[len(sizes) - 1 - steps]) > max_side and steps < len(sizes) - 1:
        steps += 1
    image = downscaled(m.strips(), m.shape, steps) if steps else np.asarray(m)
    while max(image.shape[:2]) > max_side:  # smaller than one tile: keep halving
        image = reduce2(image)
    data = _png(image)
    while len(data) > max_bytes and max(image.shape[:2]) > 1:
        image = reduce2(image)
        data = _png(image)
    return data
