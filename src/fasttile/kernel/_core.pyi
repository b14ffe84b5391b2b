"""Type stub for fasttile._core, the compiled kernel (cpp/python/module.cpp).
Internal: use fasttile.render. tests/test_stub.py keeps this file in step."""

from collections.abc import Sequence
from typing import Optional

import numpy as np
import numpy.typing as npt

Dims5 = Sequence[int]

def render(
    data: npt.NDArray,
    dtype: str,
    offset: int,
    shape: Dims5,
    strides: Dims5,
    indices: Optional[npt.NDArray[np.int64]],
    channel_mean: bool,
    mode: str,
    lo: float,
    hi: float,
    nrows: int,
    ncols: int,
    column_fill: bool,
    padding: int,
    zoom: int,
    pad_value: Sequence[int],
    lut: Optional[npt.NDArray[np.uint8]],
    mark_nonfinite: bool,
    marker: Sequence[int],
    out: npt.NDArray[np.uint8],
    threads: int,
) -> tuple[int, list[int]]: ...
def scan_range(
    data: npt.NDArray,
    dtype: str,
    offset: int,
    shape: Dims5,
    strides: Dims5,
    indices: Optional[npt.NDArray[np.int64]],
    channel_mean: bool,
    threads: int,
) -> tuple[float, float, tuple[int, list[int]]]: ...
def unit_sq_norms(
    data: npt.NDArray,
    dtype: str,
    offset: int,
    shape: Dims5,
    strides: Dims5,
    indices: Optional[npt.NDArray[np.int64]],
    threads: int,
) -> npt.NDArray[np.float64]: ...
def unit_stats(
    data: npt.NDArray,
    dtype: str,
    offset: int,
    shape: Dims5,
    strides: Dims5,
    indices: Optional[npt.NDArray[np.int64]],
    threads: int,
) -> npt.NDArray[np.float64]: ...
def reduce2(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]: ...
def time_stream_read(array: npt.NDArray, threads: int) -> float: ...
def time_stream_write(array: npt.NDArray, threads: int) -> float: ...
def simd_paths() -> list[str]: ...
def simd_path() -> str: ...
def select_simd(name: str) -> None: ...
