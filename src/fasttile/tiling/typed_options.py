"""Typed render options for type checkers. GENERATED from options.py by
`python -m fasttile.tiling.options`; do not edit (tests/test_options.py checks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional, TypedDict, Union

import numpy as np


class _Shared(TypedDict, total=False):
    tile_shape: Optional[Sequence[int]]
    channel_order: str
    channel: Union[None, int, str]
    bgr: bool
    value_range: Optional[Sequence[float]]
    nonfinite: str
    indices: Union[None, slice, Sequence[int], np.ndarray]
    order: str
    top: Optional[int]
    dead: Union[None, str, tuple[str, float]]
    nrows: Optional[int]
    ncols: Optional[int]
    fill: str
    padding: int
    pad_value: Union[int, Sequence[int]]
    zoom: int
    threads: Optional[int]
    backend: str


class RenderOptions(_Shared, total=False):
    layout: Optional[str]
    normalize: Optional[str]
    cmap: Any
    out: Optional[np.ndarray]
    rows: Optional[int]
    scheduler: Any


class DrawOptions(_Shared, total=False):
    layout: Optional[str]
    normalize: Optional[str]
    cmap: Any
    rows: Optional[int]
    scheduler: Any


class BandOptions(_Shared, total=False):
    layout: Optional[str]
    normalize: Optional[str]
    cmap: Any
    scheduler: Any


class ZarrOptions(_Shared, total=False):
    layout: Optional[str]
    normalize: Optional[str]
    cmap: Any


class AnimateOptions(_Shared, total=False):
    layout: Optional[str]
    cmap: Any
    rows: Optional[int]
    scheduler: Any


class DiffOptions(_Shared, total=False):
    rows: Optional[int]
    scheduler: Any
