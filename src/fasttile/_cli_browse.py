"""The browsing subcommands: `fasttile pyramid` (a zoomable site with a viewer) and
`fasttile sprite` (a TensorBoard Projector folder). cli.py registers them through
SUBCOMMANDS, and cli.main gives them its one-line errors."""

from __future__ import annotations

import argparse
import os
import time
from typing import Any, Optional

from . import cli
from ._cli_words import CliError, flag, printable

_GRID_DEFAULTS = {"padding": 1, "zoom": 1, "fill": "rows", "nrows": None, "ncols": None}


def _browse_arguments(p: argparse.ArgumentParser, output: str) -> None:
    cli.add_input_arguments(p)
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
    from .pyramid import pyramid

    weights = cli.open_weights(args)
    options = cli.render_options(args, weights)
    labels = _read_labels(args.labels)
    start = time.perf_counter()
    expected = getattr(weights.tensor, "nbytes", 0) / 3e8  # a rough guess: about 3 GB a second
    with cli.progress_bar(args, 1, expected) as progress:
        info = pyramid(
            weights.tensor,
            args.output,
            format=args.format,
            compress_level=1 if args.compress_level is None else args.compress_level,
            # the file's name only: a shared site should not reveal the author's folders
            title=args.title if args.title is not None else f"{os.path.basename(args.file)}: {weights.name}",
            labels=labels,
            dead_norm=args.dead_norm,
            progress=progress,
            **options,
        )
    cli.note(
        args,
        f"wrote {args.output}: {info.shape[1]} x {info.shape[0]} mosaic of {printable(weights.name)} "
        f"{tuple(weights.tensor.shape)}, zoom 0..{info.max_zoom}, {info.tiles_written} tiles, "
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
    from .sprite import sprite

    weights = cli.open_weights(args)
    options = _grid_options_for_sprite(cli.render_options(args, weights))
    start = time.perf_counter()
    info = sprite(
        weights.tensor,
        args.output,
        tensor_name=args.tensor_name or weights.name,
        labels=_read_labels(args.labels),
        tensors=not args.no_tensors,
        **options,
    )
    cli.note(
        args,
        f"wrote {args.output}: {info.points} points, sprite {info.sprite_shape[1]} x {info.sprite_shape[0]} "
        f"({info.tile_shape[1]} x {info.tile_shape[0]} a tile) in {time.perf_counter() - start:.2f} s; "
        f"run: tensorboard --logdir {args.output}",
    )
    return 0


def register(sub: Any) -> None:
    """Add `pyramid` and `sprite` to the fasttile command's subparsers."""
    p = cli.add_subcommand(
        sub,
        "pyramid",
        "write a zoomable tile pyramid and a viewer that opens from file://",
        [
            "fasttile pyramid sae.npy -o sae-site --order norm",
            "fasttile pyramid sae.npy -o alive --dead hide --labels names.txt",
        ],
    )
    _browse_arguments(p, "site")
    p.add_argument("--format", choices=["png", "webp"], default="png", help="tile format (webp: lossless)")
    p.add_argument("--compress-level", type=int, metavar="0..9", help="PNG deflate level (default: fast)")
    p.add_argument("--title", help="the viewer's title (default: file and tensor name)")
    p.add_argument("--dead-norm", type=float, help="dead below this L2 norm (default: 1e-3 of the largest)")
    cli.add_render_options(p)
    p.set_defaults(run=_cmd_pyramid)
    s = cli.add_subcommand(
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
    cli.add_render_options(s)
    s.set_defaults(run=_cmd_sprite)
