"""When the default layout is probably the wrong reading of a shape, say so.

The rule (from the shape alone, only when the caller left the layout to its ndim
default and gave no tile_shape):

- 2-D (N, D), drawn as rows: each reading's tile is scored 2 when its length is an
  RGB square (3*h*h, h >= 2), 1 when it is a gray square (h*h, h >= 2), else 0. When
  the columns' score (N values per tile) beats the rows' (D values), `cols` is the
  likelier reading: (3072, 100) is 100 RGB 32x32 images, not 3072 gray 10x10 ones.
- 4-D (a, b, c, d), drawn as oihw: conv kernels are square. When the oihw tile
  (c x d) is far from square (one side at least twice the other) and hwio (a x b
  tiles) or ohwi (b x c tiles) gives square tiles, that one is the likelier reading
  (when both do, hwio if the last axis is the larger of a and d, else ohwi):
  (3, 3, 3, 32) is 32 RGB 3x3 filters stored HWIO, (64, 7, 7, 3) 64 RGB 7x7 OHWI.

Nothing else warns: ties, 3-D banks and explicit layouts are drawn as asked, except an
explicit nchw/nhwc whose maps are far from square when the other reading's are square
(`warn_if_unlikely_maps`).
"""

from __future__ import annotations

import functools
import math
import os
import sys
import warnings
from dataclasses import dataclass
from typing import Optional

from .._plural import counted


class LayoutWarning(UserWarning):
    """The weights' shape suggests another layout; `.layout` names it. Pass `layout=`
    explicitly (either one) to choose and silence the warning."""

    def __init__(self, message: str, layout: str = "") -> None:
        super().__init__(message)
        self.layout = layout


@dataclass(frozen=True)
class LayoutHint:
    layout: str  # the likelier layout
    current: str  # what the default draws
    reason: str  # why, in words


# flattened input sizes a first layer's weights are usually shaped by
COMMON_INPUTS = {
    64: "the size of an 8x8 digit",
    784: "the size of a 28x28 MNIST image",
    3072: "the size of a 32x32 RGB image",
    4096: "the size of a 64x64 image",
}


def _square_side(d: int, channels: int) -> int:
    side = math.isqrt(d // channels) if d % channels == 0 else 0
    return side if side >= 2 and channels * side * side == d else 0


def image_score(d: int) -> int:
    """2: d values are an RGB square image; 1: a gray square; 0: no square image."""
    return 2 if _square_side(d, 3) else 1 if _square_side(d, 1) else 0


def _flat_tiles(count: int, d: int) -> str:
    rgb = _square_side(d, 3)
    if rgb:
        return f"{count} RGB {rgb}x{rgb} tile{'' if count == 1 else 's'}"
    gray = _square_side(d, 1)
    return (
        f"{count} gray {gray}x{gray} tile{'' if count == 1 else 's'}"
        if gray
        else f"{counted(count, 'tile')} of {d} values (no square image)"
    )


def _conv_tiles(units: int, c: int, h: int, w: int) -> str:
    kind = "RGB" if c == 3 else "gray" if c == 1 else f"{c}-channel"
    return f"{units} {kind} {h}x{w} filter{'' if units == 1 else 's'}"


def _far_from_square(h: int, w: int) -> bool:
    return max(h, w) >= 2 * min(h, w)


def hint_for(shape: tuple[int, ...]) -> Optional[LayoutHint]:
    """The likelier layout for weights of this shape drawn with the ndim default, if any."""
    return _hint_for(tuple(shape))


@functools.lru_cache(maxsize=256)  # asked on every default-layout render; a pure function of the shape
def _hint_for(shape: tuple[int, ...]) -> Optional[LayoutHint]:
    if len(shape) == 2 and min(shape) > 0:
        n, d = shape
        score_rows, score_cols = image_score(d), image_score(n)
        # equal scores: a tie, unless only the columns' length is a common input size
        # ((64, 100): 100 tiles of 8x8 digits, not 64 of 10x10 noise)
        common = score_rows == score_cols and n in COMMON_INPUTS and d not in COMMON_INPUTS
        if 0 < score_rows < score_cols or (score_rows > 0 and common):  # (no image at all raises)
            reason = f"as rows they are {_flat_tiles(n, d)}; as columns {_flat_tiles(d, n)}"
            if common:
                reason += f", {COMMON_INPUTS[n]}"
            return LayoutHint("cols", "rows", reason)
    if len(shape) == 4 and min(shape) > 0:
        a, b, c, d = shape
        if not _far_from_square(c, d):
            return None
        fits = {"hwio": (d, c, a, b), "ohwi": (a, d, b, c)}
        square = [name for name, tiles in fits.items() if tiles[2] == tiles[3]]
        if square:
            # (k, k, k, d): both square; the axis holding many filters is the output one
            name = square[0] if len(square) == 1 else "hwio" if d > a else "ohwi"
            tiles = fits[name]
            reason = f"as oihw they are {_conv_tiles(a, b, c, d)}; as {name} {_conv_tiles(*tiles)}"
            return LayoutHint(name, "oihw", reason)
    return None


def _stacklevel() -> int:
    """The warning points at the first caller outside fasttile."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(1), 1  # level 1: the function calling warnings.warn
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def warn_if_unlikely(shape: tuple[int, ...]) -> None:
    hint = hint_for(shape)
    if hint is None:
        return
    message = (
        f"weights of shape {tuple(shape)} are drawn as {hint.current}, the {len(shape)}-D default, but "
        f"{hint.layout} looks likelier ({hint.reason}): pass layout={hint.layout!r}, "
        f"or layout={hint.current!r} to keep this reading"
    )
    warnings.warn(LayoutWarning(message, hint.layout), stacklevel=_stacklevel())


def maps_hint(shape: tuple[int, ...], layout: object) -> Optional[LayoutHint]:
    """An explicit nchw/nhwc whose maps come out far from square while the other reading
    gives square maps: (2, 64, 256, 256) as nhwc is 2 x 256 maps of 64x256, surely nchw.
    Square maps stay silent (activation maps are square far more often than not)."""
    if layout not in ("nchw", "nhwc") or len(shape) != 4:
        return None
    n, a, b, c = shape
    (h, w), other = ((b, c), "nhwc") if layout == "nchw" else ((a, b), "nchw")
    (oh, ow), maps = ((a, b), c) if other == "nhwc" else ((b, c), a)
    if not _far_from_square(h, w) or oh != ow or oh < 5 or maps in (1, 3):
        return None  # below 5x5 square maps say too little to second-guess the caller
    reason = f"as {layout} they are {h}x{w} maps; as {other} {n} input(s) of {maps} square {oh}x{ow} maps"
    return LayoutHint(other, layout, reason)


def warn_if_unlikely_maps(shape: tuple[int, ...], layout: str) -> None:
    hint = maps_hint(tuple(shape), layout)
    if hint is not None:
        message = f"activations of shape {tuple(shape)}: {hint.layout} looks likelier ({hint.reason}); " + (
            f"pass layout={hint.layout!r}"
        )
        warnings.warn(LayoutWarning(message, hint.layout), stacklevel=_stacklevel())


def other_axis_hint(shape: tuple[int, ...], layout: str, tile_shape: object) -> str:
    """For a 2-D tile shape that cannot be inferred: the other reading, when it works."""
    if tile_shape is not None:
        return ""
    other = "cols" if layout == "rows" else "rows"
    length = shape[0] if layout == "rows" else shape[1]
    if image_score(length) == 0:
        return ""
    count = shape[1] if layout == "rows" else shape[0]
    return f"; or pass layout={other!r} ({_flat_tiles(count, length)})"
