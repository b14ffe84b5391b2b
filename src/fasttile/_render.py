"""fasttile.render: validate everything cheaply in Python, then one backend call."""

from __future__ import annotations

import difflib
import inspect
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

import numpy as np

from . import _native_backend, _numpy_backend
from ._arrays import as_weights
from ._colors import MARKER, colormap_lut, gray_lut, pad_triple
from ._fast_path import render_fast
from ._grid import layout_grid
from ._layout import Channel, TileView, resolve
from ._plan import Plan

NORMALIZATIONS = ("tile", "global", "symmetric", "global-symmetric", "none")
REPORTED_BAD_TILES = _numpy_backend.REPORTED_BAD_TILES


class MosaicTooLarge(ValueError, MemoryError):
    """The mosaic cannot be allocated."""


def default_threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


_warned_fallback = False


def _backend(name: str):
    global _warned_fallback
    if name == "numpy":
        return _numpy_backend
    if name not in ("auto", "native"):
        raise ValueError(f"backend must be 'auto', 'native' or 'numpy', got {name!r}")
    if _native_backend.available():
        return _native_backend
    if name == "native":
        raise ImportError(f"the compiled fasttile kernel cannot be imported: {_native_backend.IMPORT_ERROR}")
    if not _warned_fallback:
        _warned_fallback = True
        warnings.warn(
            f"fasttile: the compiled kernel cannot be imported ({_native_backend.IMPORT_ERROR}); "
            "using the much slower NumPy backend",
            RuntimeWarning,
            stacklevel=3,
        )
    return _numpy_backend


def _threads(threads: Optional[int]) -> int:
    if threads is None:
        return default_threads()
    if not hasattr(threads, "__index__") or isinstance(threads, bool):
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    n = int(threads.__index__())
    if n < 1:
        raise ValueError(f"threads must be at least 1, got {n}")
    return min(n, 1024)


def _indices(view: TileView, indices: Any) -> Optional[np.ndarray]:
    """The selected outer units (None: all of them, in order). Cheap: no data is read."""
    n = view.units
    sel: Optional[np.ndarray] = None
    if isinstance(indices, slice):
        sel = np.arange(n, dtype=np.int64)[indices]
    elif indices is not None:
        idx = np.asarray(indices)
        if idx.ndim != 1:
            raise ValueError(f"indices must be one-dimensional, got shape {idx.shape}")
        if idx.dtype.kind == "b":
            if idx.shape[0] != n:
                raise ValueError(f"a boolean indices mask needs {n} entries, got {idx.shape[0]}")
            idx = np.flatnonzero(idx)
        elif idx.size and idx.dtype.kind not in "iu":
            raise ValueError(f"indices must be integers, a boolean mask or a slice, got dtype {idx.dtype}")
        idx = idx.astype(np.int64)
        bad = np.flatnonzero((idx < -n) | (idx >= n))
        if bad.size:
            k = int(bad[0])
            raise IndexError(f"indices[{k}] = {int(idx[k])} is out of range for {n} tiles")
        sel = np.where(idx < 0, idx + n, idx)
    if sel is not None and sel.size == 0:
        raise ValueError("indices selects no tiles")
    return sel


ORDERS = ("index", "norm", "variance", "max_abs")
DEAD_MODES = ("hide", "only")


def _check_order(order: str, top: Optional[int], dead: Any = None) -> Optional[int]:
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(map(repr, ORDERS))}, got {order!r}")
    mode, threshold = dead if isinstance(dead, tuple) and len(dead) == 2 else (dead, None)
    if mode is not None and (
        mode not in DEAD_MODES
        or (threshold is not None and not (isinstance(threshold, (int, float)) and threshold >= 0))
    ):
        raise ValueError(
            f"dead must be None, 'hide', 'only' or ('hide' | 'only', norm threshold >= 0), got {dead!r}"
        )
    if top is None:
        return None
    if not hasattr(top, "__index__") or isinstance(top, bool) or int(top) < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}")
    return int(top)


def _sort_key(stats: np.ndarray, order: str) -> np.ndarray:
    if order == "variance":
        return stats[:, 2]
    return np.maximum(np.abs(stats[:, 3]), np.abs(stats[:, 4]))  # max_abs


def _select_dead(view: TileView, sel: Optional[np.ndarray], dead: Any, threads: int) -> np.ndarray:
    """dead="hide": drop dead units (constant, or L2 norm at most a threshold: by default
    1e-3 of the largest norm in the selection); dead="only": keep only them. Reads the
    selection once; the number left decides the grid."""
    from .sidecar import dead_mask, unit_stats

    mode, threshold = dead if isinstance(dead, tuple) else (dead, None)
    base = sel if sel is not None else np.arange(view.units, dtype=np.int64)
    keep = dead_mask(unit_stats(view, sel, threads), threshold) == (mode == "only")
    if not keep.any():
        raise ValueError(f"dead={dead!r} leaves no tiles to show")
    return base[keep]


def _ordered(
    view: TileView, sel: Optional[np.ndarray], order: str, top: Optional[int], backend, threads: int
) -> Optional[np.ndarray]:
    """The shown units in display order: largest L2 norm, variance or max |value| first
    when asked (this reads the whole selection, so it runs after every cheap check),
    then the first `top`."""
    if order != "index":
        base = sel if sel is not None else np.arange(view.units, dtype=np.int64)
        if order == "norm":
            key = backend.unit_sq_norms(view, sel, threads)
        else:
            from .sidecar import unit_stats

            key = _sort_key(unit_stats(view, sel, threads), order)  # one pass, every statistic
        sel = base[np.argsort(-key, kind="stable")]  # largest first; NaN last
    if top is not None:
        sel = (sel if sel is not None else np.arange(view.units, dtype=np.int64))[:top]
    return None if sel is None else np.ascontiguousarray(sel, dtype=np.int64)


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
    if dead is not None:
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


def _allocate(shape: tuple[int, ...]) -> np.ndarray:
    try:
        return np.empty(shape, dtype=np.uint8)
    except (MemoryError, ValueError) as exc:
        size = int(np.prod(shape, dtype=np.float64))
        raise MosaicTooLarge(
            f"cannot allocate the {' x '.join(map(str, shape))} mosaic ({size:.3g} bytes)"
        ) from exc


@dataclass(frozen=True)
class Rendered:
    """A mosaic and where its tiles came from (for labels and tools)."""

    image: np.ndarray
    view: TileView
    selection: Optional[np.ndarray]  # shown outer units, or None for all in order
    nrows: int
    ncols: int
    column_fill: bool
    padding: int
    zoom: int

    def tile_origin(self, t: int) -> tuple[int, int]:
        """(y, x) of display tile t's top-left pixel."""
        r, c = (t % self.nrows, t // self.nrows) if self.column_fill else (t // self.ncols, t % self.ncols)
        h, w = self.view.shape[3] * self.zoom, self.view.shape[4] * self.zoom
        return self.padding + r * (h + self.padding), self.padding + c * (w + self.padding)

    def unit_of(self, t: int) -> int:
        u = t // self.view.shape[1]
        return int(self.selection[u]) if self.selection is not None else u


def render(weights: Any, **options: Any) -> np.ndarray:
    """Render a bank of weights as one uint8 mosaic: (H, W) gray or (H, W, 3) RGB.

    Every tile (a filter, a neuron's input weights, ...) is rescaled to 0..255 on its
    own and the tiles are laid out in a grid with padding between them. The caller's
    array is never written or copied whole.

    weights
        The bank: a NumPy array or memmap, a torch tensor, a jax array, anything with
        ``__dlpack__`` or ``__array__``. float16/32/64, bfloat16, integers or bool.

    Keyword options (all keyword-only; each is also a ``fasttile render`` flag):

    layout=None
        How tiles sit in the array. 2-D: "rows" (N, D) [default] or "cols" (D, N).
        3-D: "nhw" [default]. 4-D: "oihw" [default, PyTorch conv], "hwio" (Keras /
        TensorFlow), "ohwi" (TFLite), "nhwc", "nchw" (image batches; with C not 1 or
        3, activation maps: one gray tile per (channel, input), channels are the units
        that indices/order/top/dead choose, one input per grid row and a near-square
        grid for a single input). When the default is probably
        the wrong reading of the shape, a ``fasttile.LayoutWarning`` names the
        likelier one; passing any layout explicitly silences it.
    tile_shape=None
        (h, w) or (h, w, c) of each tile of 2-D weights; inferred when D is h*h*3
        (RGB) or h*h (gray).
    channel_order="hwc"
        Order of the values of a flattened 2-D tile: "hwc" (NumPy, CS231n) or "chw"
        (PyTorch, raw CIFAR-10).
    channel=None
        Tiles with 1 or 3 channels are drawn gray or RGB; others become one gray
        tile per (filter, channel), a filter per grid row. Or pick: an index k,
        "mean" (the channel mean) or "split" (always one tile per channel).
    bgr=False
        Swap the channels of RGB tiles (Caffe, OpenCV weights).
    normalize=None
        "tile" (each tile over its own range; the default), "global" (one range for
        all), "symmetric" (0 maps to 128, per tile), "global-symmetric", or "none"
        (needs value_range). None means "tile", or "none" when value_range is given.
    value_range=None
        A fixed (lo, hi): values are clamped to it and mapped to 0..255.
    nonfinite="raise"
        NaN / inf: "raise" a ValueError naming how many and which tiles, or "mark"
        (paint those pixels magenta).
    indices=None
        Which filters to draw: a list of indices, a boolean mask or a slice.
    order="index"
        "index" (as stored), or largest first by "norm" (L2), "variance" or "max_abs".
    top=None
        Keep only the first `top` filters after ordering.
    dead=None
        "hide" drops dead filters (constant, or L2 norm at most 1e-3 of the largest),
        "only" keeps just them; ("hide" | "only", threshold) sets the norm threshold.
    nrows=None, ncols=None
        The grid; ncols defaults to ceil(sqrt(tiles)), nrows to what the tiles need.
    fill="rows"
        Fill the grid row by row ("rows") or column by column ("columns").
    padding=1
        Pixels between tiles and around the edge.
    pad_value=0
        Colour of the padding: a gray level 0..255 or an (r, g, b) triple.
    zoom=1
        Integer nearest-neighbour upscaling of every tile.
    cmap=None
        A matplotlib colormap (name, object or (256, 3) uint8 table) for gray tiles.
    out=None
        A preallocated uint8 array of the mosaic's shape to render into (a row
        slice of a larger image or a memmap is fine); it is returned.
    threads=None
        Kernel threads (None: all cores); results never depend on it.
    backend="auto"
        "auto" (compiled kernel, NumPy fallback with a warning), "native" or "numpy".

    Returns the mosaic: RGB for RGB tiles, and for gray tiles with a cmap, an RGB
    pad_value or nonfinite="mark"; otherwise gray. Bad arguments raise ValueError,
    TypeError or IndexError naming the argument before anything large is allocated;
    a misspelt option raises TypeError suggesting the closest one. docs/design.md
    gives the exact pixel rule.

    >>> fasttile.render(model.conv1.weight, zoom=4)                   # doctest: +SKIP
    >>> fasttile.render(W1, layout="cols", normalize="symmetric", cmap="RdBu_r")  # doctest: +SKIP
    """
    image = render_fast(weights, options)  # a plain small render: checks replayed from a cache
    if image is not None:
        return image
    if type(weights).__module__.split(".")[0] in ("dask", "zarr") or "scheduler" in options:  # dask graph
        from .chunked import render_chunked

        return render_chunked(weights, **options)
    return render_detailed(weights, **options).image


def _unknown_option(unknown: dict) -> TypeError:
    """A misspelt keyword: name render (the public function) and the closest option."""
    known = [
        n
        for n, p in inspect.signature(prepare).parameters.items()
        if p.kind == p.KEYWORD_ONLY and not n.startswith("_")
    ]
    name = next(iter(unknown))
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"the options are {', '.join(known)}"
    return TypeError(f"render() got an unexpected keyword argument {name!r}; {hint}")


@dataclass(frozen=True)
class Prepared:
    """Everything a render needs except the pixels: the view, the shown units in
    display order, the plan (geometry and a resolved normalization: a global range
    is already scanned) and the mosaic's shape. Strips and writers start here."""

    view: TileView
    selection: Optional[np.ndarray]  # shown outer units in display order, or None for all in order
    plan: Plan
    shape: tuple[int, ...]
    impl: Any  # the backend module
    out: Optional[np.ndarray]  # the caller's validated out= array, or one allocated for a render

    def raise_nonfinite(self, count: int, bad_tiles: Sequence[int]) -> None:
        if count and not self.plan.mark_nonfinite:
            raise _nonfinite_error(count, bad_tiles, self.view, self.selection)


def render_detailed(weights: Any, **options: Any) -> Rendered:
    """render(), also returning where each tile came from."""
    prep = prepare(weights, _allocate_out=True, **options)
    out = prep.out
    count, bad_tiles = prep.impl.render(prep.view, prep.selection, prep.plan, out)
    prep.raise_nonfinite(count, bad_tiles)
    plan = prep.plan
    return Rendered(
        out, prep.view, prep.selection, plan.nrows, plan.ncols, plan.column_fill, plan.padding, plan.zoom
    )


def prepare(
    weights: Any,
    *,
    layout: Optional[str] = None,
    tile_shape: Optional[Sequence[int]] = None,
    channel_order: str = "hwc",
    channel: Channel = None,
    bgr: bool = False,
    normalize: Optional[str] = None,
    value_range: Optional[Sequence[float]] = None,
    nonfinite: str = "raise",
    indices: Union[None, slice, Sequence[int], np.ndarray] = None,
    order: str = "index",
    top: Optional[int] = None,
    dead: Any = None,
    nrows: Optional[int] = None,
    ncols: Optional[int] = None,
    fill: str = "rows",
    padding: int = 1,
    pad_value: Union[int, Sequence[int]] = 0,
    zoom: int = 1,
    cmap: Any = None,
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    backend: str = "auto",
    _allocate_out: bool = False,
    **unknown: Any,
) -> Prepared:
    """Validate every option cheaply (and allocate the output when asked, so that a
    mosaic too large fails early), then make the passes over the whole bank that an
    order or a global range needs."""
    if unknown:
        raise _unknown_option(unknown)
    arr, dtype = as_weights(weights)
    view = resolve(
        arr,
        dtype,
        layout=layout,
        tile_shape=tile_shape,
        channel_order=channel_order,
        channel=channel,
        bgr=bool(bgr),
    )
    impl = _backend(backend)
    nthreads = _threads(threads)

    normalize = check_normalize(normalize, value_range)
    colours = drawing_options(view, nonfinite, fill, pad_value, cmap)
    mark, pad, lut = colours["mark_nonfinite"], colours["pad_value"], colours["lut"]
    drawn = check_grid(
        view,
        indices,
        order,
        top,
        dead,
        lambda sel: _select_dead(view, sel, dead, nthreads),
        normalize,
        value_range,
        dict(nrows=nrows, ncols=ncols, padding=padding, zoom=zoom),
        colours["channels"],
    )
    sel, top, value_lo_hi, grid, shape = drawn.selection, drawn.top, drawn.fixed, drawn.grid, drawn.shape
    if out is not None:
        out = _check_out(out, shape, view)
    elif _allocate_out:
        out = _allocate(shape)
    sel = _ordered(view, sel, order, top, impl, nthreads)

    mode, lo, hi = normalize, 0.0, 0.0
    if value_lo_hi is not None:
        mode = "range"
        lo, hi = value_lo_hi
    elif normalize in ("global", "global-symmetric"):
        glo, ghi, (count, bad_tiles) = impl.scan_range(view, sel, nthreads)
        if count and not mark:
            raise _nonfinite_error(count, bad_tiles, view, sel)
        if not glo <= ghi:
            glo = ghi = 0.0
        if normalize == "global":
            mode, lo, hi = "range", glo, ghi
        else:
            mode, hi = "fixed-symmetric", max(abs(glo), abs(ghi))

    plan = Plan(
        mode=mode,
        lo=lo,
        hi=hi,
        nrows=grid.nrows,
        ncols=grid.ncols,
        column_fill=fill == "columns" or maps_by_input(view, {"nrows": nrows, "ncols": ncols}),
        padding=grid.padding,
        zoom=grid.zoom,
        pad_value=pad,
        lut=lut,
        mark_nonfinite=mark,
        marker=MARKER,
        threads=nthreads,
    )
    return Prepared(view, sel, plan, shape, impl, out)


# render() takes exactly prepare()'s public keyword arguments: show them to help()
# and inspect.signature() instead of **options.
_public = [
    p
    for name, p in inspect.signature(prepare).parameters.items()
    if not name.startswith("_") and p.kind != p.VAR_KEYWORD
]
render.__signature__ = inspect.Signature(_public, return_annotation=np.ndarray)  # type: ignore[attr-defined]
