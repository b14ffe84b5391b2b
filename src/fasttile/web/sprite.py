"""fasttile.sprite: a folder TensorBoard's Embedding Projector opens directly.

    sprite.png              the tiles, row-major, ceil(sqrt(n)) a row, no padding, at most
                            8192 pixels a side (tiles are shrunk by area averaging to fit)
    metadata.tsv            one row per point: bank index, L2 norm (and label when given)
    tensors.tsv             one row per point: the unit's weights (the embedding itself)
    projector_config.pbtxt  ties them together (`tensorboard --logdir <folder>`)

Row i of every file is the same unit: the shown units in display order (indices,
order and top apply).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

import numpy as np

from .._atomic import atomic_path
from ..api import mosaic
from ..codecs.png import write_png
from ..kernel.numpy_backend import _to_compute, strided_view
from ..tiling.options import takes_render_options
from ..tiling.stats import unit_stats

if TYPE_CHECKING:  # the typed keywords, for type checkers only
    from typing_extensions import Unpack

    from ..tiling.typed_options import DrawOptions

MAX_SPRITE = 8192
_GRID_OPTIONS = ("padding", "ncols", "nrows", "zoom", "fill", "out")


@dataclass(frozen=True)
class SpriteInfo:
    path: str
    points: int
    tile_shape: tuple[int, int]  # (height, width) of one image in the sprite
    sprite_shape: tuple[int, ...]


def area_weights(size: int, new: int) -> np.ndarray:
    """(new, size) matrix averaging `size` samples onto `new` equal cells, each input
    sample weighted by how much of it a cell covers (exact box filter)."""
    edges = np.arange(new + 1) * (size / new)
    lo, hi = edges[:-1, None], edges[1:, None]
    pos = np.arange(size)[None, :]
    overlap = np.clip(np.minimum(hi, pos + 1) - np.maximum(lo, pos), 0, None)
    return overlap / (size / new)


def shrink_tiles(tiles: np.ndarray, height: int, width: int) -> np.ndarray:
    """(n, h, w[, 3]) uint8 tiles area-averaged to (n, height, width[, 3]), rounded half up."""
    h, w = tiles.shape[1:3]
    if (h, w) == (height, width):
        return tiles
    a_h, a_w = area_weights(h, height), area_weights(w, width)
    values = np.einsum("yh,nhw...,xw->nyx...", a_h, tiles.astype(np.float64), a_w)
    return np.floor(values + 0.5).clip(0, 255).astype(np.uint8)


def sprite_tile_shape(points: int, h: int, w: int) -> tuple[int, int, int]:
    """(columns, tile height, tile width): the largest tiles that fit MAX_SPRITE."""
    cols = math.isqrt(points - 1) + 1
    rows = -(-points // cols)
    scale = min(1.0, MAX_SPRITE / (cols * w), MAX_SPRITE / (rows * h))
    return cols, max(1, int(h * scale)), max(1, int(w * scale))


def _replace_into(path: str, data: Union[bytes, str]) -> None:
    """Write a whole file atomically (temporary name in its folder, then a rename)."""
    with atomic_path(path) as temp, open(temp, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


def _pbtxt_string(text: str) -> str:
    """A protobuf text-format string literal: printable ASCII as is, every other byte octal."""
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        out.append("\\" + ch if ch in '"\\' else ch if 32 <= byte < 127 else f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def projector_config(tensor_name: str, points: int, dims: Optional[int], tile_hw: tuple[int, int]) -> str:
    """The config; dims None: no tensors.tsv (the projector reads `tensor_name` from a checkpoint)."""
    tensor = (
        f'  tensor_shape: {points}\n  tensor_shape: {dims}\n  tensor_path: "tensors.tsv"\n'
        if dims is not None
        else ""
    )
    return (
        "embeddings {\n"
        f"  tensor_name: {_pbtxt_string(tensor_name)}\n"
        f"{tensor}"
        '  metadata_path: "metadata.tsv"\n'
        "  sprite {\n"
        '    image_path: "sprite.png"\n'
        f"    single_image_dim: {tile_hw[1]}\n"
        f"    single_image_dim: {tile_hw[0]}\n"
        "  }\n"
        "}\n"
    )


def _tsv_cell(text: str) -> str:
    return " ".join(str(text).split())  # tabs and newlines would break the columns


def _sprite_image(m: Any, cols: int, th: int, tw: int) -> np.ndarray:
    """The sprite, from the mosaic's strips (each strip a band of grid rows)."""
    rows = -(-m.tiles // cols)
    shape = (rows * th, cols * tw) + ((3,) if m.channels == 3 else ())
    sprite = np.zeros(shape, dtype=np.uint8)
    h, w = m.tile_height, m.tile_width
    per_strip = max(1, (1 << 20) // (h * w * cols))  # float64 temporaries of about 8 MB
    for y0, pixels in m.strips(per_strip):
        r0 = y0 // h
        band = pixels.reshape(pixels.shape[0] // h, h, cols, w, *pixels.shape[2:])
        tiles = np.moveaxis(band, 2, 1).reshape(-1, h, w, *pixels.shape[2:])
        small = shrink_tiles(tiles, th, tw).reshape(band.shape[0], cols, th, tw, *pixels.shape[2:])
        sprite[r0 * th : (r0 + band.shape[0]) * th] = np.moveaxis(small, 2, 1).reshape(
            band.shape[0] * th, cols * tw, *pixels.shape[2:]
        )
    return sprite


def _write_tensors(path: str, m: Any) -> int:
    """tensors.tsv: each shown unit's values (as the view reads them), in display order."""
    bank = strided_view(m.view)
    units = np.asarray(m.units)

    dims = 0
    with atomic_path(path) as temp, open(temp, "w", encoding="ascii") as f:
        for k0 in range(0, len(units), 4096):
            block = _to_compute(bank[units[k0 : k0 + 4096]], m.view)
            flat = block.transpose(0, 1, 3, 4, 2).reshape(len(block), -1)
            dims = flat.shape[1]
            np.savetxt(f, flat, fmt="%.7g", delimiter="\t")
    return dims


@takes_render_options(exclude=("out",))
def sprite(
    weights: Any,
    folder: Union[str, os.PathLike],
    *,
    tensor_name: str = "weights",
    labels: Optional[Sequence[str]] = None,
    tensors: bool = True,
    progress: Optional[Callable[[int, int], Any]] = None,
    **options: Unpack[DrawOptions],
) -> SpriteInfo:
    """Write a TensorBoard Projector folder for the units of `weights` (render options
    choose, order and draw the tiles; grid options are the projector's own).
    tensors=False skips tensors.tsv (text, about 10 bytes a weight: large for big banks).
    progress(done_rows, total_rows) is called as the sprite's rows are written."""
    given = sorted(set(_GRID_OPTIONS) & set(options))
    if given:
        raise ValueError(f"the projector fixes the sprite's grid: drop {', '.join(given)}")
    probe = mosaic(weights, **options)
    if probe.inner != 1:
        raise ValueError("a projector point needs one tile: pass channel=k or channel='mean'")
    if labels is not None and len(labels) != probe.view.units:
        raise ValueError(f"labels has {len(labels)} entries but the bank has {probe.view.units} units")
    cols, th, tw = sprite_tile_shape(probe.tiles, probe.tile_height, probe.tile_width)
    # the probe's units, in its order: no second order or dead pass
    options = dict(options, indices=probe.units, order="index", top=None, dead=None)
    m = mosaic(weights, **options, padding=0, ncols=cols)
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    image = _sprite_image(m, cols, th, tw)
    write_png(os.path.join(folder, "sprite.png"), image, level="small", progress=progress)
    norms = np.sqrt(unit_stats(m.view, np.asarray(m.units), 1)[:, 0])
    header = "index\tnorm" + ("\tlabel" if labels is not None else "")
    lines = [header] + [
        f"{u}\t{n:.6g}" + (f"\t{_tsv_cell(labels[u])}" if labels is not None else "")
        for u, n in zip(m.units.tolist(), norms)
    ]
    _replace_into(os.path.join(folder, "metadata.tsv"), "\n".join(lines) + "\n")
    dims = _write_tensors(os.path.join(folder, "tensors.tsv"), m) if tensors else None
    config = projector_config(tensor_name, m.tiles, dims, (th, tw))
    _replace_into(os.path.join(folder, "projector_config.pbtxt"), config)
    return SpriteInfo(os.path.abspath(folder), m.tiles, (th, tw), image.shape)
