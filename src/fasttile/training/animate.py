"""fasttile.animate: filters evolving over checkpoints, as GIF, APNG, WebP or MP4.

    fasttile.animate(["ckpt_1.pt", "ckpt_2.pt"], "evolution.webp", key="conv1.weight")
    fasttile.animate(hook.frames["conv1"], "evolution.mp4")     # (step, weights) pairs

Every frame has the first frame's geometry and tile order. normalize="fixed" (the default)
gives each tile one range, its minimum and maximum over all frames, so growth and decay stay
visible instead of being rescaled away; "fixed-symmetric" maps 0 to mid-gray with each tile's
largest |value| over all frames; any of render's normalize modes applies per frame. Frames are
read, rendered and encoded one at a time (the fixed modes read every frame twice).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

import numpy as np

from .._atomic import atomic_path
from .._extras import require
from ..api import render
from ..codecs.animation import FORMATS, NEEDS, WRITERS
from ..io.captions import default_font
from ..kernel.arrays import as_weights
from ..kernel.pixel_rule import quantize, range_affine, symmetric_affine
from ..loaders.registry import find_key, open_source
from ..loaders.source import LoadError
from ..tiling.checks import NORMALIZATIONS
from ..tiling.layout import looks_like_first_layer, resolve
from ..tiling.options import takes_render_options
from ..tiling.render import render_detailed
from .log import host_tensor

if TYPE_CHECKING:  # the typed keywords, for type checkers only
    from typing_extensions import Unpack

    from ..tiling.typed_options import AnimateOptions

FIXED = ("fixed", "fixed-symmetric")
_TILE_KEYS = ("layout", "tile_shape", "channel_order", "channel", "bgr")
_DROPPED = ("normalize", "value_range", "indices", "order", "top", "dead", "out")  # fixed by the first frame


@dataclass(frozen=True)
class AnimationInfo:
    path: str
    format: str
    frames: int
    shape: tuple  # of each frame, caption included


@dataclass(frozen=True)
class _Item:
    name: str  # for errors: the file, or frames[i]
    caption: str
    source: Any  # a path or an array-like


def _caption(label: Any, source: Any, index: int) -> str:
    if label is not None:
        return f"step {label}" if isinstance(label, (int, np.integer)) else str(label)
    if isinstance(source, (str, os.PathLike)):
        return os.path.basename(os.fspath(source))
    return f"frame {index}"


def _items(frames: Any, captions: Union[bool, Sequence[str]]) -> list[_Item]:
    if isinstance(frames, (str, os.PathLike, np.ndarray)) or not hasattr(frames, "__iter__"):
        raise TypeError("frames must be a list of arrays, checkpoint paths or (step, array) pairs")
    items = []
    for i, frame in enumerate(frames):
        label, source = frame if isinstance(frame, tuple) and len(frame) == 2 else (None, frame)
        name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else f"frames[{i}]"
        items.append(_Item(name, _caption(label, source, i), source))
    if not items:
        raise ValueError("frames is empty: give at least one array or checkpoint path")
    if not isinstance(captions, bool):
        texts = [str(c) for c in captions]
        if len(texts) != len(items):
            raise ValueError(f"captions has {len(texts)} entries for {len(items)} frames")
        items = [_Item(it.name, text, it.source) for it, text in zip(items, texts)]
    return items


def read_frame(
    source: Any, key: Optional[str], picked: Optional[str] = None
) -> tuple[Any, Optional[str], dict]:
    """(weights, the tensor's name, the file's {ndim: layout}) of one frame. A checkpoint path
    is opened with fasttile's lazy, safe loaders (never unpickling) and one tensor read: `key`,
    else the file's only tensor, else `picked` (the name chosen in an earlier file), else the
    first that looks like first-layer filters. Anything else is the weights themselves."""
    if not isinstance(source, (str, os.PathLike)):
        return source, key, {}

    opened = open_source(source)
    if key is not None:
        name = find_key(opened, key)
    elif len(opened.tensors) == 1:
        name = next(iter(opened.tensors))
    elif picked in opened.tensors:
        name = picked
    else:
        name = _first_layer_name(opened)
    return opened.read(name), name, dict(opened.layouts)


def _first_layer_name(opened: Any) -> str:
    names = [n for n, info in opened.tensors.items() if len(info.shape) in (2, 3, 4)]
    if not names:
        raise LoadError(f"{opened.path} holds no 2-D, 3-D or 4-D tensor; pass key= to choose one")
    first_layer = [n for n in names if looks_like_first_layer(tuple(opened.tensors[n].shape), opened.layouts)]
    return (first_layer or names)[0]


class _Frames:
    """Reads the frames in order, checking each has the first frame's shape."""

    def __init__(self, items: list[_Item], key: Optional[str], options: dict) -> None:
        self.items, self.key, self.options = items, key, dict(options)
        self.shape: Optional[tuple] = None
        self.picked: Optional[str] = None

    def __iter__(self) -> Iterator[tuple[_Item, Any]]:
        for item in self.items:
            weights, self.picked, layouts = read_frame(item.source, self.key, self.picked)
            shape = tuple(weights.shape)
            if self.shape is None:
                self.shape = shape
                if "layout" not in self.options and len(shape) in layouts:
                    self.options["layout"] = layouts[len(shape)]
            elif shape != self.shape:
                raise ValueError(
                    f"{item.name} has shape {shape} but the first frame has {self.shape}; "
                    "all frames must have one shape"
                )
            yield item, weights


def _float_bank(weights: Any) -> np.ndarray:
    """The weights as contiguous float32 (float64 stays float64), the kernel's compute type."""
    arr, dtype = as_weights(host_tensor(weights))
    if dtype == "bfloat16" and arr.dtype == np.uint16:  # torch bf16 arrives as raw bits
        return (arr.astype(np.uint32) << 16).view(np.float32)
    return np.ascontiguousarray(arr, dtype=np.float64 if dtype == "float64" else np.float32)


def _tile_values(weights: Any, options: dict) -> tuple[np.ndarray, Any]:
    """(units, inner, channels, h, w) values of the tiles, and the view they come from."""
    bank = _float_bank(weights)
    tile_options = {k: options[k] for k in _TILE_KEYS if k in options}
    view = resolve(bank, bank.dtype.name, **tile_options)
    if view.channel_mean:
        raise ValueError("normalize='fixed' ranges single channels; with channel='mean' use normalize='tile'")
    values = np.ndarray(view.shape, bank.dtype, buffer=bank, offset=view.offset, strides=view.strides)
    return values, view


def _tile_ranges(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    finite = np.isfinite(values)
    axes = (2, 3, 4)
    lo = np.where(finite, values, np.inf).min(axis=axes).astype(values.dtype)
    hi = np.where(finite, values, -np.inf).max(axis=axes).astype(values.dtype)
    return lo, hi


def _fixed_ranges(frames: _Frames) -> tuple[np.ndarray, np.ndarray]:
    """Each tile's minimum and maximum over every frame: the first pass, one frame at a time."""
    lo = hi = None
    for _, weights in frames:
        f_lo, f_hi = _tile_ranges(_tile_values(weights, frames.options)[0])
        lo = f_lo if lo is None else np.minimum(lo, f_lo)
        hi = f_hi if hi is None else np.maximum(hi, f_hi)
    assert lo is not None and hi is not None
    return lo, hi


def _render_fixed(weights: Any, ranges: tuple, symmetric: bool, display: dict) -> np.ndarray:
    """The frame quantized with the fixed per-tile ranges (render's exact pixel rule), laid
    out by render itself: quantized levels 0..255 render unchanged under value_range (0, 255)."""
    values, view = _tile_values(weights, display)
    lo, hi = ranges
    if symmetric:
        affine = symmetric_affine(np.maximum(np.abs(lo), np.abs(hi)).ravel())
    else:
        affine = range_affine(lo.ravel(), hi.ravel())
    flat = values.reshape(lo.size, -1)
    levels = quantize(flat, affine).astype(np.float32)
    levels[~np.isfinite(flat)] = np.nan  # left for render's nonfinite= to report or mark
    units, inner, channels, h, w = view.shape
    options = {k: v for k, v in display.items() if k not in _TILE_KEYS}
    if inner > 1:  # split channels: one gray tile per (filter, channel)
        bank, layout, channel = levels.reshape(units, inner, h, w), "oihw", "split"
    else:
        bank, layout, channel = levels.reshape(units, channels, h, w), "nchw", None
    return render(bank, layout=layout, channel=channel, value_range=(0, 255), **options)


def _with_caption(image: np.ndarray, text: str) -> np.ndarray:
    """The mosaic with a black strip below it carrying `text` in white (the mosaic's own
    pixels are untouched)."""
    from PIL import Image, ImageDraw

    height = max(12, min(32, image.shape[1] // 12))
    strip = Image.new("L", (image.shape[1], height), 0)
    ImageDraw.Draw(strip).text((2, height // 2), text, fill=255, font=default_font(height - 4), anchor="lm")
    rows = np.asarray(strip)
    if image.ndim == 3:
        rows = np.repeat(rows[..., None], 3, axis=2)
    return np.concatenate([image, rows])


def _rendered(
    frames: _Frames, normalize: str, captions: bool, selection: Optional[np.ndarray]
) -> Iterator[np.ndarray]:
    """Frame images, one at a time, in one geometry and tile order."""
    display = {k: v for k, v in frames.options.items() if k not in _DROPPED}
    if selection is not None:
        display["indices"] = selection
    ranges = _fixed_ranges(frames) if normalize in FIXED else None
    for item, weights in frames:
        if ranges is not None:
            image = _render_fixed(weights, ranges, normalize == "fixed-symmetric", display)
        else:
            image = render(weights, normalize=normalize, **display)
        yield _with_caption(image, item.caption) if captions else image


def _format_of(path: Any) -> str:
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in FORMATS:
        raise ValueError(
            f"cannot write {os.fspath(path)!r}: unsupported extension {ext or '(none)'!r}; "
            f"use one of {', '.join(FORMATS)}"
        )
    return FORMATS[ext]


def _first_selection(frames: _Frames, normalize: str) -> Optional[np.ndarray]:
    """The shown tiles in display order, fixed by the first frame (order="norm" sorts by its
    norms), and a check that the options render at all before anything is written."""
    item, weights = next(iter(frames))
    options = {k: v for k, v in frames.options.items() if k not in ("normalize", "out")}
    probe = render_detailed(weights, normalize="tile" if normalize in FIXED else normalize, **options)
    return probe.selection


@takes_render_options(exclude=("out",))
def animate(
    frames: Sequence[Any],
    path: Union[str, os.PathLike],
    *,
    key: Optional[str] = None,
    fps: float = 5.0,
    normalize: str = "fixed",
    captions: Union[bool, Sequence[str]] = True,
    loop: int = 0,
    progress: Optional[Callable[[int, int], Any]] = None,
    **options: Unpack[AnimateOptions],
) -> AnimationInfo:
    """Write the filters of each frame as one animation at `path` (.gif, .png/.apng, .webp
    lossless, .mp4). frames: arrays, checkpoint paths (read with key=, default: the first
    tensor that looks like first-layer filters) or (step, weights) pairs. normalize: "fixed"
    (each tile's range over all frames), "fixed-symmetric", or a per-frame mode of render.
    captions: True draws each frame's step, file name or index below it; or a list of str.
    progress(done_frames, total_frames) is called as frames are written. The file is
    written under a temporary name and renamed when complete."""
    fmt = _format_of(path)
    require(NEEDS[fmt], "train", f"writing {fmt}")
    require("PIL.ImageDraw", "train", "drawing captions")
    if normalize not in FIXED + NORMALIZATIONS:
        raise ValueError(f"normalize must be one of {', '.join(FIXED + NORMALIZATIONS)}, got {normalize!r}")
    # APNG stores a frame's delay in 16-bit milliseconds: at least 1/65 frame a second
    if not isinstance(fps, (int, float)) or isinstance(fps, bool) or not 0.016 <= fps <= 100:
        raise ValueError(f"fps must be a number in [0.016, 100], got {fps!r}")
    if normalize in FIXED and "value_range" in options:
        raise ValueError("value_range fixes one range for every tile; pass normalize='none' with it")
    items = _items(frames, captions)
    source = _Frames(items, key, options)
    selection = _first_selection(source, normalize)
    duration = max(1, round(1000 / fps))
    try:
        with atomic_path(path) as tmp:
            images = _rendered(source, normalize, bool(captions), selection)
            shape = _write(fmt, tmp, images, len(items), duration, loop, progress)
    except OSError as exc:
        if exc.filename is None or os.fspath(exc.filename) == os.fspath(path):
            raise
        # the temporary file's name means nothing to the caller: name the output instead
        raise OSError(exc.errno, f"cannot write {os.fspath(path)}: {exc.strerror}") from exc
    return AnimationInfo(os.fspath(path), fmt, len(items), shape)


def _write(
    fmt: str,
    tmp: Any,
    images: Iterator[np.ndarray],
    count: int,
    duration: int,
    loop: int,
    progress: Optional[Callable[[int, int], Any]],
) -> tuple:
    """Run the format's writer, holding every frame to the first one's shape (a file
    whose frames change size is broken, whatever the format)."""
    seen: list[tuple] = []

    def watched() -> Iterator[np.ndarray]:
        for k, image in enumerate(images):
            if not seen:
                seen.append(image.shape)
            elif image.shape != seen[0]:
                raise ValueError(
                    f"frame {k} is {image.shape}, frame 0 was {seen[0]}: frames must share one geometry"
                )
            yield image
            if progress is not None:
                progress(k + 1, count)

    WRITERS[fmt](tmp, watched(), count, duration, loop)
    return seen[0]
