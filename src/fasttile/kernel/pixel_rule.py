"""The bit-exact pixel rule in NumPy, mirroring cpp/fasttile/pixel_rule.hpp.

    q = clamp(floor((clamp(x, lo, hi) * a - b) * s + c), 0, 255)

in T (float32, or float64 for float64 weights). a = 1, b = lo, c = 0.5 and
s = T(255 / (hi - lo)) with the division in double for ordinary ranges; a = 1/2 when
hi - lo overflows T, a = 2**P when 255 / (hi - lo) would. Symmetric modes use b = 0,
c = 128, s = T(127.5 / max|x|). A constant tile is a = b = s = 0, c = 128.
Arrays here hold one entry per tile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# (ranges below `tiny` are prescaled by `scale`), as in PrescaleLimits<T>
_PRESCALE = {
    np.dtype(np.float32): (np.float32(2.0**-100), np.float32(2.0**100)),
    np.dtype(np.float64): (np.float64(2.0**-900), np.float64(2.0**1000)),
}


@dataclass
class Affine:
    lo: np.ndarray
    hi: np.ndarray
    a: np.ndarray
    b: np.ndarray
    s: np.ndarray
    c: np.ndarray


def constant(values: np.ndarray, dtype: np.dtype) -> Affine:
    zero = np.zeros_like(values, dtype=dtype)
    return Affine(values.astype(dtype), values.astype(dtype), zero, zero, zero, np.full_like(zero, 128))


def _merge_constant(aff: Affine, is_constant: np.ndarray, const: Affine) -> Affine:
    pick = lambda x, y: np.where(is_constant, y, x).astype(x.dtype)  # noqa: E731
    return Affine(*(pick(getattr(aff, f), getattr(const, f)) for f in ("lo", "hi", "a", "b", "s", "c")))


def range_affine(lo: np.ndarray, hi: np.ndarray) -> Affine:
    dtype = lo.dtype
    tiny, scale = _PRESCALE[dtype]
    is_constant = ~(hi > lo)
    with np.errstate(all="ignore"):
        spread = hi - lo
        a = np.where(np.isinf(spread), dtype.type(0.5), np.where(spread < tiny, scale, dtype.type(1))).astype(
            dtype
        )
        lo_scaled = lo * a
        hi_scaled = hi * a
        denom = hi_scaled.astype(np.float64) - lo_scaled.astype(np.float64)
        s = (255.0 / denom).astype(dtype)
    aff = Affine(lo, hi, a, lo_scaled, s, np.full_like(lo, 0.5))
    const_values = np.where(np.isfinite(lo), lo, dtype.type(0)).astype(dtype)
    return _merge_constant(aff, is_constant, constant(const_values, dtype))


def symmetric_affine(amax: np.ndarray) -> Affine:
    dtype = amax.dtype
    tiny, scale = _PRESCALE[dtype]
    is_constant = ~(amax > 0)
    with np.errstate(all="ignore"):
        a = np.where(amax < tiny, scale, dtype.type(1)).astype(dtype)
        s = (127.5 / (amax * a).astype(np.float64)).astype(dtype)
    zero = np.zeros_like(amax)
    aff = Affine(-amax, amax, a, zero, s, np.full_like(amax, 128))
    return _merge_constant(aff, is_constant, constant(zero, dtype))


def quantize(x: np.ndarray, aff: Affine) -> np.ndarray:
    """x: (tiles, ...) in T; parameters broadcast over the trailing axes."""
    shape = (-1,) + (1,) * (x.ndim - 1)
    p = {f: getattr(aff, f).reshape(shape) for f in ("lo", "hi", "a", "b", "s", "c")}
    with np.errstate(all="ignore"):
        x = np.where(x < p["lo"], p["lo"], x)
        x = np.where(x > p["hi"], p["hi"], x)
        v = (x * p["a"] - p["b"]) * p["s"] + p["c"]
        # clamp then truncate == floor then clamp; NaN goes to 0 (overwritten later)
        v = np.where(v > 0, v, 0)
        v = np.where(v < 255, v, 255)
    return v.astype(np.uint8)
