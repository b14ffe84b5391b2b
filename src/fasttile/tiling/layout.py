"""Layout resolution: every supported layout becomes one strided tile view.

The kernel sees tiles through a two-level index (outer unit, inner tile), channels,
height and width, each with a byte stride of any sign, over the caller's memory. This
module is the only place that knows what "hwio" or "cols" means.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Optional, Union

import numpy as np

from ..kernel.arrays import raw_view
from ..kernel.view import TileView
from .hints import other_axis_hint as _other_axis_hint
from .hints import warn_if_unlikely, warn_if_unlikely_maps

LAYOUTS_BY_NDIM = {
    2: ("rows", "cols"),
    3: ("nhw",),
    4: ("oihw", "hwio", "ohwi", "nhwc", "nchw"),
}
_ALL_LAYOUTS = tuple(name for names in LAYOUTS_BY_NDIM.values() for name in names)
DEFAULT_LAYOUT = {2: "rows", 3: "nhw", 4: "oihw"}
# 4-D layouts: which axis holds (units, channels, height, width)
_AXES_4D = {
    "oihw": (0, 1, 2, 3),
    "nchw": (0, 1, 2, 3),
    "hwio": (3, 2, 0, 1),
    "ohwi": (0, 3, 1, 2),
    "nhwc": (0, 3, 1, 2),
}

Channel = Union[None, int, str]


class _Axis(NamedTuple):  # a tuple: built several times per render, a dataclass costs more
    size: int
    stride: int


def infer_tile_shape(d: int) -> tuple[int, ...]:
    side = math.isqrt(d // 3)
    if d % 3 == 0 and 3 * side * side == d:
        return (side, side, 3)
    side = math.isqrt(d)
    if side * side == d:
        return (side, side)
    raise ValueError(
        f"cannot infer the tile shape: {d} values per tile is neither h*h (gray) nor h*h*3 (RGB); "
        "pass tile_shape=(h, w) or (h, w, c)"
    )


def _check_tile_shape(tile_shape: object, d: int) -> tuple[int, int, int]:
    if not isinstance(tile_shape, (tuple, list)) or len(tile_shape) not in (2, 3):
        raise ValueError(f"tile_shape must be (h, w) or (h, w, c), got {tile_shape!r}")
    dims = []
    for v in tile_shape:
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"tile_shape must hold positive integers, got {tile_shape!r}")
        dims.append(int(v))
    h, w = dims[0], dims[1]
    c = dims[2] if len(dims) == 3 else 1
    if h * w * c != d:
        raise ValueError(f"tile_shape {tuple(dims)} holds {h * w * c} values but each tile has {d}")
    return h, w, c


def _dense_axes(d_axis: _Axis, tile_shape: object, channel_order: str) -> tuple[_Axis, _Axis, _Axis]:
    """Channel, row and column axes of a flattened tile of d_axis.size values."""
    if tile_shape is None:  # inferred shapes hold d values by construction: nothing to check
        h, w, *rest = infer_tile_shape(d_axis.size)
        c = rest[0] if rest else 1
    else:
        h, w, c = _check_tile_shape(tile_shape, d_axis.size)
    s = d_axis.stride
    if channel_order == "hwc":
        return _Axis(c, s), _Axis(h, w * c * s), _Axis(w, c * s)
    if channel_order == "chw":
        return _Axis(c, h * w * s), _Axis(h, w * s), _Axis(w, s)
    raise ValueError(f"channel_order must be 'hwc' or 'chw', got {channel_order!r}")


def resolve(
    arr: np.ndarray,
    dtype: str,
    *,
    layout: Optional[str] = None,
    tile_shape: object = None,
    channel_order: str = "hwc",
    channel: Channel = None,
    bgr: bool = False,
) -> TileView:
    """Reduce `arr` in `layout` to a TileView. Raises ValueError naming the problem."""
    ndim = arr.ndim
    if ndim not in LAYOUTS_BY_NDIM:
        raise ValueError(
            f"weights must have 2, 3 or 4 dimensions, got shape {arr.shape}; "
            "a single flattened tile is weights.reshape(1, -1)"
        )
    defaulted = layout is None
    if layout is None:
        layout = DEFAULT_LAYOUT[ndim]
    if not isinstance(layout, str) or layout.lower() not in _ALL_LAYOUTS:
        known = ", ".join(_ALL_LAYOUTS)
        raise ValueError(f"unknown layout {layout!r}; choose one of {known}")
    layout = layout.lower()
    if layout not in LAYOUTS_BY_NDIM[ndim]:
        raise ValueError(
            f"layout {layout!r} needs {_ndim_of(layout)}-D weights, got shape {arr.shape}; "
            f"{ndim}-D layouts are {', '.join(LAYOUTS_BY_NDIM[ndim])}"
        )
    if 0 in arr.shape:
        raise ValueError(f"weights are empty (shape {arr.shape})")
    if tile_shape is not None and ndim != 2:
        raise ValueError(f"tile_shape applies to 2-D weights only; layout {layout!r} fixes the tile shape")

    if defaulted and tile_shape is None:
        warn_if_unlikely(arr.shape)

    data = raw_view(arr, dtype)
    axes = [_Axis(n, s) for n, s in zip(data.shape, data.strides)]
    if layout in ("rows", "cols"):
        unit, d = (axes[0], axes[1]) if layout == "rows" else (axes[1], axes[0])
        try:
            chan, row, col = _dense_axes(d, tile_shape, channel_order)
        except ValueError as exc:
            raise ValueError(f"{exc}{_other_axis_hint(arr.shape, layout, tile_shape)}") from None
    elif layout == "nhw":
        unit, row, col = axes
        chan = _Axis(1, 0)
    else:
        u, c, y, x = _AXES_4D[layout]
        unit, chan, row, col = axes[u], axes[c], axes[y], axes[x]
        if layout in ("nchw", "nhwc") and _splits(chan.size, channel) and not bgr:
            warn_if_unlikely_maps(arr.shape, layout)
            return _maps_view(data, dtype, unit, chan, row, col)
    return _with_channels(data, dtype, unit, chan, row, col, channel, bgr)


def _splits(channels: int, channel: Channel) -> bool:
    return (channel is None and channels not in (1, 3)) or (isinstance(channel, str) and channel == "split")


def _maps_view(data: np.ndarray, dtype: str, inputs: _Axis, chan: _Axis, row: _Axis, col: _Axis) -> TileView:
    """A batch of activations: one gray tile per (channel, input), channels as units so
    that indices/order/top/dead= choose channels (a dead channel is dead on every input)."""
    return TileView(
        data=data,
        dtype=dtype,
        offset=0,
        shape=(chan.size, inputs.size, 1, row.size, col.size),
        strides=(chan.stride, inputs.stride, 0, row.stride, col.stride),
        channel_mean=False,
        split_channels=False,
        maps=True,
    )


def _ndim_of(layout: str) -> int:
    return next(n for n, names in LAYOUTS_BY_NDIM.items() if layout in names)


def _with_channels(
    data: np.ndarray,
    dtype: str,
    unit: _Axis,
    chan: _Axis,
    row: _Axis,
    col: _Axis,
    channel: Channel,
    bgr: bool,
) -> TileView:
    c = chan.size
    offset = 0
    inner = _Axis(1, 0)
    mean = False
    if channel is None:
        mode = "rgb" if c == 3 else "gray" if c == 1 else "split"
    elif isinstance(channel, str):
        if channel not in ("mean", "split"):
            raise ValueError(f"channel must be None, an index, 'mean' or 'split', got {channel!r}")
        mode = channel
    elif isinstance(channel, (int, np.integer)) and not isinstance(channel, bool):
        k = int(channel)
        if not -c <= k < c:
            raise ValueError(f"channel={k} is out of range for tiles with {c} channels")
        offset += (k % c) * chan.stride
        chan = _Axis(1, 0)
        mode = "gray"
    else:
        raise ValueError(f"channel must be None, an index, 'mean' or 'split', got {channel!r}")

    if bgr:
        if mode != "rgb":
            raise ValueError(f"bgr=True needs RGB tiles (3 channels), but these tiles have {c}")
        offset += 2 * chan.stride
        chan = _Axis(3, -chan.stride)
    if mode == "split":
        inner, chan = chan, _Axis(1, 0)
    elif mode == "mean":
        mean = True
    return TileView(
        data=data,
        dtype=dtype,
        offset=offset,
        shape=(unit.size, inner.size, chan.size, row.size, col.size),
        strides=(unit.stride, inner.stride, chan.stride, row.stride, col.stride),
        channel_mean=mean,
        split_channels=mode == "split",
    )


def channels_axis(layout: str) -> int:
    return {"oihw": 1, "nchw": 1, "hwio": 2, "ohwi": 3, "nhwc": 3}[layout]


def looks_like_first_layer(shape: tuple[int, ...], layouts: dict) -> bool:
    """4-D filters whose channels draw as RGB or gray tiles (not one tile per channel)."""
    if len(shape) != 4:
        return False
    return shape[channels_axis(layouts.get(4) or DEFAULT_LAYOUT[4])] in (1, 3)
