"""The browsing subcommands: `fasttile pyramid` (a zoomable site with a viewer) and
`fasttile sprite` (a TensorBoard Projector folder)."""

from __future__ import annotations

import argparse
import os
import time
from typing import Any, Optional

from .._plural import counted
from ..web.pyramid import TILE_ENCODERS, pyramid
from ..web.sprite import sprite
from .common import (
    add_input_arguments,
    add_level_argument,
    add_subcommand,
    framework_options,
    note,
    open_weights,
)
from .flags import add_render_options, choice
from .output import progress_bar
from .words import CliError, flag, printable
from .zoom import AUTO_ZOOM_HELP, auto_zoomed

_GRID_DEFAULTS = {"padding": 1, "zoom": 1, "fill": "rows", "nrows": None, "ncols": None}


def _browse_arguments(p: argparse.ArgumentParser, output: str) -> None:
    add_input_arguments(p)
    p.add_argument("-o", "--output", default=output, help=f"folder to write (default {output})")
    p.add_argument("--labels", metavar="FILE", help="a UTF-8 text file, one label per unit (one a line)")


def _read_labels(path: Optional[str]) -> Optional[list[str]]:
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except UnicodeDecodeError:
        raise CliError(f"--labels {path} is not UTF-8 text") from None


def _cmd_pyramid(args: argparse.Namespace) -> int:
    weights = open_weights(args)
    options = auto_zoomed(weights.tensor, framework_options(args, weights))
    labels = _read_labels(args.labels)
    start = time.perf_counter()
    expected = getattr(weights.tensor, "nbytes", 0) / 3e8  # a rough guess: about 3 GB a second
    with progress_bar(args, 1, expected) as progress:
        info = pyramid(
            weights.tensor,
            args.output,
            tiles=args.tiles,
            level=args.level,
            title=args.title if args.title is not None else f"{os.path.basename(args.file)}: {weights.name}",
            labels=labels,
            progress=progress,
            **options,
        )
    note(
        args,
        f"wrote {args.output}: {info.shape[1]} x {info.shape[0]} mosaic of {printable(weights.name)} "
        f"{tuple(weights.tensor.shape)}, zoom 0..{info.max_zoom}, {counted(info.tiles_written, 'tile')}, "
        f"{info.dead_tiles} dead, in {time.perf_counter() - start:.2f} s; "
        f"open {args.output.rstrip('/')}/index.html",
    )
    return 0


def _grid_options_for_sprite(options: dict) -> dict:
    for key, default in _GRID_DEFAULTS.items():
        if options.get(key, default) != default:
            raise CliError(f"{flag(key)} does not apply: the projector fixes the sprite's grid")
        options.pop(key, None)
    return options


def _cmd_sprite(args: argparse.Namespace) -> int:
    weights = open_weights(args)
    options = _grid_options_for_sprite(framework_options(args, weights))
    start = time.perf_counter()
    info = sprite(
        weights.tensor,
        args.output,
        tensor_name=args.tensor_name or weights.name,
        labels=_read_labels(args.labels),
        tensors=not args.no_tensors,
        **options,
    )
    note(
        args,
        f"wrote {args.output}: {info.points} points, sprite {info.sprite_shape[1]} x {info.sprite_shape[0]} "
        f"({info.tile_shape[1]} x {info.tile_shape[0]} a tile) in {time.perf_counter() - start:.2f} s; "
        f"run: tensorboard --logdir {args.output}",
    )
    return 0


def register(sub: Any) -> None:
    """Add `pyramid` and `sprite` to the fasttile command's subparsers."""
    p = add_subcommand(
        sub,
        "pyramid",
        "write a zoomable tile pyramid and a viewer that opens from file://",
        [
            "fasttile pyramid sae.npy -o sae-site --order norm",
            "fasttile pyramid sae.npy -o alive --dead hide --labels names.txt",
        ],
    )
    _browse_arguments(p, "site")
    p.add_argument(
        "--tiles",
        type=choice(TILE_ENCODERS),
        default=".png",
        metavar="{" + ",".join(TILE_ENCODERS) + "}",
        help="the tile files' format (.webp: lossless; default .png)",
    )
    add_level_argument(p)
    p.add_argument("--title", help="the viewer's title (default: the file's name and the tensor's)")
    add_render_options(p, help=AUTO_ZOOM_HELP)
    p.set_defaults(run=_cmd_pyramid)
    s = add_subcommand(
        sub,
        "sprite",
        "write a TensorBoard Projector folder (sprite, metadata, tensors, config)",
        [
            "fasttile sprite sae.npy -o projector --order norm --top 10000",
            "fasttile sprite model.pt --key encoder.weight -o projector --no-tensors --labels names.txt",
        ],
    )
    _browse_arguments(s, "projector")
    s.add_argument("--tensor-name", help="the embedding's name in the projector (default: the tensor's)")
    s.add_argument("--no-tensors", action="store_true", help="skip tensors.tsv (the weights as text)")
    add_render_options(s)
    s.set_defaults(run=_cmd_sprite)
