"""`fasttile ls`: a weight file's tensors with their shapes, dtypes, and the layout
`fasttile render` would use for each, with the reason (and a likelier one when the
shape suggests it). Reads headers only."""

from __future__ import annotations

import argparse
import warnings
from typing import Any

import numpy as np

from .._plural import counted
from ..loaders.registry import open_source
from ..loaders.source import Source, TensorInfo
from ..tiling.hints import LayoutWarning, hint_for
from ..tiling.layout import DEFAULT_LAYOUT, looks_like_first_layer, resolve
from .common import add_subcommand
from .words import printable

ORDER = 1  # where the command stands in `fasttile --help`


def _tiles(view: Any) -> str:
    units, inner, channels, h, w = view.shape
    if view.split_channels:
        return f"{counted(units, 'filter')} x {counted(inner, 'channel')} as gray {h}x{w} tiles"
    kind = "RGB" if channels == 3 else "gray"
    return f"{units} {kind} {h}x{w} tile{'' if units == 1 else 's'}"


def describe_layout(info: TensorInfo, source: Source) -> str:
    """'<layout> (<why>): <tiles>[; --layout X looks likelier (...)]'."""
    ndim = len(info.shape)
    if ndim not in DEFAULT_LAYOUT:
        return f"- ({ndim}-D: fasttile draws 2-, 3- and 4-D tensors)"
    framework = source.layouts.get(ndim)
    layout = framework or DEFAULT_LAYOUT[ndim]
    why = f"{source.framework or 'framework'} default" if framework else f"{ndim}-D default"
    # the geometry from the shape alone: a zero-strided stand-in, no data read
    stand_in = np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), info.shape, (0,) * ndim)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LayoutWarning)
            text = f"{layout} ({why}): {_tiles(resolve(stand_in, 'float32', layout=layout))}"
    except ValueError as exc:
        text = f"{layout} ({why}): {str(exc).split(';')[0]}; needs --tile-shape H,W"
    hint = None if framework else hint_for(info.shape)
    if hint is not None:
        text += f"; --layout {hint.layout} looks likelier ({hint.reason.split('; ')[1]})"
    return text


def _first_layer(info: TensorInfo, source: Source) -> bool:
    return looks_like_first_layer(info.shape, source.layouts)


def _cmd_ls(args: argparse.Namespace) -> int:
    source = open_source(args.file)
    names = {name: printable(name) for name in source.tensors}
    width = min(max([len(n) for n in names.values()] + [4]), 60)
    shapes = {name: str(info.shape) for name, info in source.tensors.items()}
    shape_width = max([len(s) for s in shapes.values()] + [5])
    print(f"{'name':{width}}  {'shape':{shape_width}}  {'dtype':9}  layout")
    for name, info in source.tensors.items():
        layout = describe_layout(info, source)
        mark = "  <- first-layer filters" if _first_layer(info, source) else ""
        print(f"{names[name]:{width}}  {shapes[name]:{shape_width}}  {info.dtype:9}  {layout}{mark}")
    if not args.quiet:
        print(f"{counted(len(source.tensors), 'tensor')} in {source.path}")
    return 0


def register(subparsers: Any) -> None:
    p = add_subcommand(
        subparsers,
        "ls",
        "list the tensors of a weight file and the layout fasttile would use for each",
        [
            "fasttile ls model.safetensors",
            "fasttile ls lightning_logs/version_0/checkpoints/last.ckpt",
            "fasttile ls model.safetensors.index.json",
        ],
    )
    p.add_argument("file", help="weights file (.npy .npz .safetensors .pt .ckpt .h5 .keras, *.index.json)")
    p.set_defaults(run=_cmd_ls)
