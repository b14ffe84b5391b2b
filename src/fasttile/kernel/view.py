"""The one strided view every layout reduces to (docs/design.md, section 1): what the
kernel and the NumPy backend read. Layout resolution (tiling/layout.py) builds it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TileView:
    data: np.ndarray  # the caller's memory, typed as the kernel reads it; never written
    dtype: str  # kernel element type
    offset: int  # bytes from data's pointer to element (0, 0, 0, 0, 0)
    shape: tuple[int, int, int, int, int]  # (units, inner, channels, height, width)
    strides: tuple[int, int, int, int, int]  # bytes
    channel_mean: bool
    split_channels: bool  # one gray tile per (unit, channel): a filter per grid row
    # activation maps (nchw/nhwc with C not 1 or 3): units are the channels and inner the
    # inputs, so selection, order and dead= pick channels; one input per grid row
    maps: bool = False

    @property
    def units(self) -> int:
        return self.shape[0]

    @property
    def rgb(self) -> bool:
        return self.shape[2] == 3 and not self.channel_mean
