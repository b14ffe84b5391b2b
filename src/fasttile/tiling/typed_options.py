"""Typed render options for type checkers. GENERATED from options.py by
`python -m fasttile.tiling.options`; do not edit (tests/test_options.py checks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional, TypedDict, Union

import numpy as np


class RenderOptions(TypedDict, total=False):
    layout: Optional[str]
    tile_shape: Optional[Sequence[int]]
    channel_order: str
    channel: Union[None, int, str]
    bgr: bool
    normalize: Optional[str]
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
    cmap: Any
    out: Optional[np.ndarray]
    rows: Optional[int]
    scheduler: Any
    threads: Optional[int]
    backend: str


class DrawOptions(TypedDict, total=False):
    layout: Optional[str]
    tile_shape: Optional[Sequence[int]]
    channel_order: str
    channel: Union[None, int, str]
    bgr: bool
    normalize: Optional[str]
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
    cmap: Any
    rows: Optional[int]
    scheduler: Any
    threads: Optional[int]
    backend: str


class BandOptions(TypedDict, total=False):
    layout: Optional[str]
    tile_shape: Optional[Sequence[int]]
    channel_order: str
    channel: Union[None, int, str]
    bgr: bool
    normalize: Optional[str]
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
    cmap: Any
    scheduler: Any
    threads: Optional[int]
    backend: str


class ZarrOptions(TypedDict, total=False):
    layout: Optional[str]
    tile_shape: Optional[Sequence[int]]
    channel_order: str
    channel: Union[None, int, str]
    bgr: bool
    normalize: Optional[str]
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
    cmap: Any
    threads: Optional[int]
    backend: str


class AnimateOptions(TypedDict, total=False):
    layout: Optional[str]
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
    cmap: Any
    rows: Optional[int]
    scheduler: Any
    threads: Optional[int]
    backend: str


class DiffOptions(TypedDict, total=False):
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
    rows: Optional[int]
    scheduler: Any
    threads: Optional[int]
    backend: str
