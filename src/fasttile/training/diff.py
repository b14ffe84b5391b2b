"""fasttile.diff: what changed between two banks of the same layer, on a symmetric scale.

    img = fasttile.diff(a, b)               # a - b, zero at the middle of RdBu_r (gray tiles)
    img = fasttile.diff(a, b, match=True)   # b's filters first paired with a's (cosine similarity)

Two independently trained runs learn similar features in different slots; match=True pairs
b's filters with a's by maximum total cosine similarity (scipy's linear_sum_assignment) so the
same feature sits in the same cell before subtracting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .._extras import require
from ..api import render
from ..tiling.layout import DEFAULT_LAYOUT, resolve
from ..tiling.options import takes_render_options
from .animate import _float_bank

if TYPE_CHECKING:  # the typed keywords, for type checkers only
    from typing_extensions import Unpack

    from ..tiling.typed_options import DiffOptions

# the axis holding the filters (outer units) of each layout
_UNIT_AXIS = {"rows": 0, "cols": 1, "nhw": 0, "oihw": 0, "nchw": 0, "ohwi": 0, "nhwc": 0, "hwio": 3}


def _as_float(weights: Any) -> np.ndarray:
    return _float_bank(weights)


def _unit_axis(layout: Optional[str], ndim: int) -> int:
    name = (layout or DEFAULT_LAYOUT.get(ndim, "")).lower()
    if name not in _UNIT_AXIS:
        raise ValueError(f"cannot diff {ndim}-D weights with layout {layout!r}")
    return _UNIT_AXIS[name]


def match_filters(a: Any, b: Any, *, layout: Optional[str] = None) -> np.ndarray:
    """perm such that b's filter perm[i] is the one most like a's filter i (maximum total
    cosine similarity over one-to-one pairings): b.take(perm, unit axis) lines up with a."""
    linear_sum_assignment = require("scipy.optimize", "train", "matching filters").linear_sum_assignment
    fa, fb = _as_float(a), _as_float(b)
    axis = _unit_axis(layout, fa.ndim)
    ua = np.moveaxis(fa, axis, 0).reshape(fa.shape[axis], -1).astype(np.float64)
    ub = np.moveaxis(fb, axis, 0).reshape(fb.shape[axis], -1).astype(np.float64)
    na, nb = np.linalg.norm(ua, axis=1), np.linalg.norm(ub, axis=1)
    cosine = (ua @ ub.T) / np.maximum(np.outer(na, nb), np.finfo(np.float64).tiny)
    rows, cols = linear_sum_assignment(cosine, maximize=True)
    return cols[np.argsort(rows)]


@takes_render_options(exclude=("out",))
def diff(
    a: Any,
    b: Any,
    *,
    match: bool = False,
    layout: Optional[str] = None,
    normalize: str = "global-symmetric",
    cmap: Any = "RdBu_r",
    **options: Unpack[DiffOptions],
) -> np.ndarray:
    """The mosaic of a - b (after matching b's filters to a's when match=True).

    normalize defaults to "global-symmetric": one scale for every tile, zero in the middle
    (pass "symmetric" for a scale per tile). Gray tiles are coloured with cmap (default
    RdBu_r: red where a is larger); RGB tiles keep their colours around mid-gray, since a
    colormap applies to gray tiles only (channel="split" gives one coloured tile per channel).
    """
    fa, fb = _as_float(a), _as_float(b)
    if fa.shape != fb.shape:
        raise ValueError(f"cannot diff weights of shapes {fa.shape} and {fb.shape}: they must match")
    if normalize not in ("symmetric", "global-symmetric"):
        raise ValueError(
            "a diff is drawn on a symmetric scale: normalize='symmetric' or 'global-symmetric', "
            f"got {normalize!r}"
        )
    if match:
        fb = np.take(fb, match_filters(fa, fb, layout=layout), axis=_unit_axis(layout, fa.ndim))
    delta = fa - fb
    options = dict(options, layout=layout, normalize=normalize)
    if cmap is not None and not _rgb_tiles(delta, options):
        options["cmap"] = cmap
    return render(delta, **options)


def _rgb_tiles(weights: np.ndarray, options: dict) -> bool:
    keys = ("layout", "tile_shape", "channel_order", "channel", "bgr")
    return resolve(weights, weights.dtype.name, **{k: options[k] for k in keys if k in options}).rgb
