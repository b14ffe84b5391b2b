"""Everything about a render except the weights, resolved and validated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

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
