"""The cheap checks of render's options, made before anything large is allocated,
with messages that name the argument."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from ..kernel import numpy_backend as _numpy_backend
from ..kernel.view import TileView
from .colors import colormap_lut, gray_lut, pad_triple
from .grid import layout_grid
from .selection import _check_order, _indices, dead_mode

NORMALIZATIONS = ("tile", "global", "symmetric", "global-symmetric", "none")
REPORTED_BAD_TILES = _numpy_backend.REPORTED_BAD_TILES


class MosaicTooLarge(ValueError, MemoryError):
    """The mosaic cannot be allocated."""


def check_normalize(normalize: Optional[str], value_range: Any) -> str:
    if normalize is None:
        normalize = "none" if value_range is not None else "tile"
    if normalize not in NORMALIZATIONS:
        raise ValueError(f"normalize must be one of {', '.join(NORMALIZATIONS)}, got {normalize!r}")
    if value_range is not None and normalize != "none":
        raise ValueError(f"value_range needs normalize='none' (got normalize={normalize!r})")
    if normalize == "none" and value_range is None:
        raise ValueError("normalize='none' needs value_range=(lo, hi)")
    return normalize


def drawing_options(view: TileView, nonfinite: str, fill: str, pad_value: Any, cmap: Any) -> dict:
    """render's checks of the drawing options, and what they resolve to."""
    if nonfinite not in ("raise", "mark"):
        raise ValueError(f"nonfinite must be 'raise' or 'mark', got {nonfinite!r}")
    if fill not in ("rows", "columns"):
        raise ValueError(f"fill must be 'rows' or 'columns', got {fill!r}")
    pad, pad_is_colour = pad_triple(pad_value)
    if cmap is not None and view.rgb:
        raise ValueError(
            "cmap colours gray tiles; these tiles are RGB (pick one with channel=k, or channel='mean')"
        )
    rgb_out = view.rgb or cmap is not None or nonfinite == "mark" or pad_is_colour
    lut = colormap_lut(cmap) if cmap is not None else (gray_lut() if rgb_out and not view.rgb else None)
    return {
        "pad_value": pad,
        "lut": lut,
        "mark_nonfinite": nonfinite == "mark",
        "channels": 3 if rgb_out else 1,
    }


def _compute_type(view: TileView):
    return np.float64 if view.dtype == "float64" else np.float32


def _value_range(value_range: Any, view: TileView) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(f"value_range must be a pair (lo, hi) of numbers, got {value_range!r}") from None
    t = _compute_type(view)
    with np.errstate(over="ignore"):
        lo_t, hi_t = t(lo), t(hi)
    if not (np.isfinite(lo_t) and np.isfinite(hi_t)):
        raise ValueError(f"value_range must be finite in {np.dtype(t).name}, got {value_range!r}")
    if not lo_t < hi_t:
        raise ValueError(f"value_range must satisfy lo < hi (in {np.dtype(t).name}), got {value_range!r}")
    return float(lo_t), float(hi_t)


def _nonfinite_error(
    count: int, tiles: Sequence[int], view: TileView, sel: Optional[np.ndarray]
) -> ValueError:
    inner = view.shape[1]
    names = []
    for t in tiles:
        unit = int(sel[t // inner]) if sel is not None else t // inner
        names.append(str(unit) if inner == 1 else f"{unit} (channel {t % inner})")
    where = ", ".join(names) + (" and possibly others" if len(tiles) >= REPORTED_BAD_TILES else "")
    return ValueError(
        f"weights contain {count} non-finite value{'s' if count != 1 else ''} (NaN or inf) in "
        f"tile{'s' if len(tiles) != 1 else ''} {where}; pass nonfinite='mark' to paint them magenta"
    )


def _check_out(out: Any, shape: tuple[int, ...], view: TileView) -> np.ndarray:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, got {type(out).__name__}")
    if out.dtype != np.uint8:
        raise TypeError(f"out must have dtype uint8, got {out.dtype}")
    if out.shape != shape:
        raise ValueError(f"out has shape {out.shape} but the mosaic is {shape}")
    if not out.flags.writeable:
        raise ValueError("out is read-only")
    pixel = 3 if len(shape) == 3 else 1
    if out.strides[1] != pixel or (pixel == 3 and out.strides[2] != 1) or out.strides[0] < shape[1] * pixel:
        raise ValueError("out must have contiguous pixels within each row (a row slice of an image is fine)")
    if np.may_share_memory(out, view.data):
        raise ValueError("out overlaps the weights; fasttile never writes into the weights")
    return out


@dataclass(frozen=True)
class CheckedGrid:
    """Which units are drawn and the grid they fill: the checks render and the chunked
    render share, in render's order and with its messages."""

    selection: Optional[np.ndarray]
    top: Optional[int]
    fixed: Optional[tuple[float, float]]  # value_range when normalize="none"
    tiles: int
    grid: Any
    shape: tuple[int, ...]


def check_grid(
    view: TileView,
    indices: Any,
    order: str,
    top: Optional[int],
    dead: Any,
    select_dead: Callable[[Optional[np.ndarray]], np.ndarray],
    normalize: str,
    value_range: Any,
    grid_options: dict,
    channels: int,
) -> CheckedGrid:
    """The selection, order and top, dead= (select_dead(sel) reads the bank: how many
    tiles remain decides the grid), the fixed range and the grid."""
    sel = _indices(view, indices)
    top = _check_order(order, top, dead)
    if dead_mode(dead)[0] in ("hide", "only"):  # "mark" draws every unit: nothing to read here
        sel = select_dead(sel)
    units = view.units if sel is None else len(sel)
    if top is not None:
        units = min(units, top)
    fixed = _value_range(value_range, view) if normalize == "none" else None
    tiles = units * view.shape[1]
    natural_ncols = view.shape[1] if view.split_channels and view.shape[1] > 1 else None
    if maps_by_input(view, grid_options):  # one input per grid row, its channels across
        natural_ncols = -(-tiles // view.shape[1])
    grid = layout_grid(
        tiles, view.shape[3], view.shape[4], **grid_options, natural_ncols=natural_ncols, channels=channels
    )
    shape = (grid.height, grid.width, 3) if channels == 3 else (grid.height, grid.width)
    return CheckedGrid(sel, top, fixed, tiles, grid, shape)


def maps_by_input(view: TileView, grid_options: dict) -> bool:
    """Activation maps of several inputs with no grid asked for: tiles are listed channel
    by channel (input within), so filling by columns puts one input on each grid row."""
    return (
        view.maps
        and view.shape[1] > 1
        and grid_options.get("nrows") is None
        and grid_options.get("ncols") is None
    )


def check_grid_of(
    view: TileView,
    o: dict,
    select_dead: Callable[[Optional[np.ndarray]], np.ndarray],
    normalize: str,
    channels: int,
) -> CheckedGrid:
    """check_grid with the options of a with_defaults() dict (render's and the chunked route's)."""
    grid = {k: o[k] for k in ("nrows", "ncols", "padding", "zoom")}
    return check_grid(
        view,
        o["indices"],
        o["order"],
        o["top"],
        o["dead"],
        select_dead,
        normalize,
        o["value_range"],
        grid,
        channels,
    )


def _allocate(shape: tuple[int, ...]) -> np.ndarray:
    try:
        return np.empty(shape, dtype=np.uint8)
    except (MemoryError, ValueError) as exc:
        size = int(np.prod(shape, dtype=np.float64))
        raise MosaicTooLarge(
            f"cannot allocate the {' x '.join(map(str, shape))} mosaic ({size:.3g} bytes)"
        ) from exc
