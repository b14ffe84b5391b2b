"""Generated weight banks for the equality tests and the fuzz harness.

A bank is drawn as (layout, dtype, shape, value style, memory arrangement) and
built with a seeded NumPy generator, so a failing case reproduces from its draw.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

try:
    import ml_dtypes
except ImportError:  # pragma: no cover
    ml_dtypes = None

DTYPES = [
    "float32",
    "float64",
    "float16",
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
]
if ml_dtypes is not None:
    DTYPES.append("bfloat16")

VALUE_STYLES = ["normal", "uniform", "tiny", "huge", "constant", "offset", "specials", "subnormal", "ints"]


def numpy_dtype(name: str) -> np.dtype:
    return np.dtype(ml_dtypes.bfloat16) if name == "bfloat16" else np.dtype(name)


def values(rng: np.random.Generator, shape: tuple, dtype: str, style: str) -> np.ndarray:
    dt = numpy_dtype(dtype)
    n = int(np.prod(shape))
    if dt.kind in "iu":
        info = np.iinfo(dt)
        if style in ("huge", "specials"):
            lo, hi = info.min, info.max
        elif style == "constant":
            v = rng.integers(max(info.min, -100), min(info.max, 100), endpoint=True)
            return np.full(shape, v, dtype=dt)
        else:
            lo, hi = max(info.min, -1000), min(info.max, 1000)
        return rng.integers(lo, hi, size=shape, dtype=dt, endpoint=True)
    if style == "normal":
        x = rng.standard_normal(n)
    elif style == "uniform":
        x = rng.uniform(-1, 1, n)
    elif style == "tiny":
        x = rng.standard_normal(n) * 1e-36
    elif style == "huge":
        big = {"float16": 6e4, "bfloat16": 3e38, "float32": 3e38, "float64": 1.7e308}[dtype]
        x = rng.uniform(-1, 1, n) * big
    elif style == "constant":
        x = np.full(n, rng.standard_normal())
    elif style == "offset":
        x = 1000 + rng.standard_normal(n) * 1e-4
    elif style == "subnormal":
        tiny = {"float16": 6e-8, "bfloat16": 1e-40, "float32": 1e-45, "float64": 5e-324}[dtype]
        x = rng.integers(-3, 4, n) * tiny
    elif style == "ints":
        x = rng.integers(-3, 4, n).astype(np.float64)
    else:  # specials sprinkled into normal values
        x = rng.standard_normal(n)
        k = max(1, n // 20)
        where = rng.choice(n, size=k, replace=False)
        x[where] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0, 3e38, -3e38], size=k)
        x[where[0]] = rng.choice([np.nan, np.inf, -np.inf])  # at least one non-finite value
    with np.errstate(over="ignore"):
        return x.astype(dt).reshape(shape)


def arrange(rng: np.random.Generator, arr: np.ndarray, how: str) -> np.ndarray:
    """The same values in other memory: strided, reversed, Fortran-ordered, misaligned."""
    if how == "contiguous":
        return arr
    if how == "fortran":
        return np.asfortranarray(arr)
    if how == "reversed":
        axis = int(rng.integers(arr.ndim))
        flipped = np.flip(np.ascontiguousarray(np.flip(arr, axis)), axis)
        return flipped
    if how == "strided":
        big = np.zeros(tuple(2 * s for s in arr.shape), dtype=arr.dtype)
        view = big[tuple(slice(None, None, 2) for _ in arr.shape)]
        view[...] = arr
        return view
    if how == "broadcast":  # zero strides: every tile is the first one
        return np.broadcast_to(arr[(slice(0, 1),) + (slice(None),) * (arr.ndim - 1)], arr.shape)
    if how == "misaligned":
        raw = np.zeros(arr.nbytes + 1, dtype=np.uint8)
        view = raw[1:].view(arr.dtype).reshape(arr.shape)
        view[...] = arr
        return view
    raise AssertionError(how)


ARRANGEMENTS = ["contiguous", "fortran", "reversed", "strided", "misaligned", "broadcast"]


@st.composite
def banks(draw, max_tiles: int = 40, max_side: int = 9):
    """(weights, render kwargs) for a random layout, dtype and memory arrangement."""
    ndim_layout = draw(st.sampled_from(["rows", "cols", "nhw", "oihw", "hwio", "ohwi", "nhwc", "nchw"]))
    dtype = draw(st.sampled_from(DTYPES))
    n = draw(st.integers(1, max_tiles))
    h = draw(st.integers(1, max_side))
    w = draw(st.integers(1, max_side))
    kwargs: dict = {"layout": ndim_layout}
    if ndim_layout in ("rows", "cols"):
        c = draw(st.sampled_from([1, 3]))
        order = draw(st.sampled_from(["hwc", "chw"]))
        kwargs.update(tile_shape=(h, w, c) if c == 3 else (h, w), channel_order=order)
        d = h * w * c
        shape = (n, d) if ndim_layout == "rows" else (d, n)
    elif ndim_layout == "nhw":
        shape = (n, h, w)
    else:
        c = draw(st.sampled_from([1, 2, 3, 4, 17]))  # 17: split hwio spans two blocks of 16 channels
        axes = {
            "oihw": (n, c, h, w),
            "nchw": (n, c, h, w),
            "hwio": (h, w, c, n),
            "ohwi": (n, h, w, c),
            "nhwc": (n, h, w, c),
        }
        shape = axes[ndim_layout]
        kwargs["channel"] = draw(st.sampled_from([None, None, "mean", "split", 0, -1]))
        if c == 3 and kwargs["channel"] is None:
            kwargs["bgr"] = draw(st.booleans())
    style = draw(st.sampled_from(VALUE_STYLES + ["specials"] * 3))  # NaN and inf often
    how = draw(st.sampled_from(ARRANGEMENTS))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    arr = arrange(rng, values(rng, shape, dtype, style), how)
    return arr, kwargs


@st.composite
def options(draw):
    """Render options other than the layout."""
    kw: dict = {}
    norm = draw(st.sampled_from(["tile", "global", "symmetric", "global-symmetric", "none"]))
    kw["normalize"] = norm
    if norm == "none":
        lo = draw(st.floats(-2, 1, allow_nan=False))
        kw["value_range"] = (lo, lo + draw(st.floats(0.01, 3)))
    kw["nonfinite"] = draw(st.sampled_from(["raise", "mark"]))
    kw["padding"] = draw(st.integers(0, 3))
    kw["zoom"] = draw(st.integers(1, 3))
    kw["fill"] = draw(st.sampled_from(["rows", "columns"]))
    kw["pad_value"] = draw(st.sampled_from([0, 255, 77, (10, 200, 30)]))
    if draw(st.booleans()):
        kw["ncols"] = draw(st.integers(1, 12))
    if draw(st.integers(0, 4)) == 0:
        kw["cmap"] = "viridis"
    if draw(st.integers(0, 3)) == 0:
        kw["order"] = "norm"
    if draw(st.integers(0, 3)) == 0:
        kw["indices"] = slice(None, None, -2)
    kw["threads"] = draw(st.sampled_from([None, 1, 2, 3, 7]))
    return kw


# Argument values that are wrong, mixed into otherwise valid calls: both backends
# must refuse them with the same ValueError / TypeError / IndexError.
BAD_ARGUMENTS = [
    {"zoom": 0},
    {"zoom": -3},
    {"padding": -1},
    {"ncols": 0},
    {"nrows": 0},
    {"threads": 0},
    {"pad_value": 300},
    {"pad_value": (1, 2)},
    {"value_range": (1.0, 0.0)},
    {"value_range": (2.0, 2.0)},
    {"normalize": "none"},
    {"normalize": "bogus"},
    {"nonfinite": "skip"},
    {"layout": "xyz"},
    {"tile_shape": (0, 3)},
    {"tile_shape": (7, 7, 7)},
    {"channel": 99},
    {"channel": "rgb"},
    {"indices": [10**9]},
    {"indices": []},
    {"order": "random"},
    {"top": 0},
    {"fill": "spiral"},
    {"nrows": 1, "ncols": 1},
    {"cmap": "not-a-colormap"},
    {"zoom": 2**62},
    {"padding": 2**62},
]


@st.composite
def fuzz_cases(draw):
    """A bank, valid options, and now and then one wrong argument."""
    arr, kwargs = draw(banks(max_tiles=24, max_side=7))
    opts = draw(options())
    if draw(st.integers(0, 5)) == 0:
        opts.update(draw(st.sampled_from(BAD_ARGUMENTS)))
    return arr, {**kwargs, **opts}
