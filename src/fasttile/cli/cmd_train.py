"""The `fasttile animate` and `fasttile diff` subcommands."""

from __future__ import annotations

import argparse
import time
from typing import Any

from .._plural import counted
from ..codecs.png import write_png
from ..tiling.checks import NORMALIZATIONS
from ..training.animate import _format_of, animate, read_frame
from ..training.diff import diff
from .common import add_level_argument, add_subcommand, note
from .flags import add_render_options, render_options
from .zoom import AUTO_ZOOM_HELP, auto_zoomed

ANIMATION_NORMALIZE = ("fixed", "fixed-symmetric") + NORMALIZATIONS
DIFF_NORMALIZE = ("global-symmetric", "symmetric")


def _zoomed(tensor: Any, options: dict, layouts: dict) -> dict:
    """The options with the framework's layout and the command line's automatic zoom."""
    if "layout" not in options and len(tensor.shape) in layouts:
        options = {**options, "layout": layouts[len(tensor.shape)]}
    return auto_zoomed(tensor, options)


def _cmd_animate(args: argparse.Namespace) -> int:
    _format_of(args.output)  # an unsupported extension fails before any file is read
    if not 0 < args.fps <= 100:
        raise ValueError(f"--fps must be in (0, 100], got {args.fps}")
    first, _, layouts = read_frame(args.files[0], args.key)
    options = _zoomed(first, render_options(args), layouts)
    options.pop("normalize", None)
    start = time.perf_counter()
    info = animate(
        args.files,
        args.output,
        key=args.key,
        fps=args.fps,
        normalize=args.normalize,
        captions=not args.no_captions,
        **options,
    )
    seconds = time.perf_counter() - start
    note(
        args,
        f"wrote {info.path}: {info.format}, {counted(info.frames, 'frame')} "
        f"of {info.shape[1]} x {info.shape[0]} "
        f"in {seconds:.2f} s ({info.frames / seconds:.0f} frames/s)",
    )
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    if not str(args.output).lower().endswith(".png"):
        raise ValueError(f"cannot write {args.output}: a diff is written as .png (choose one with -o)")
    a, key, layouts = read_frame(args.a, args.key)
    b, _, _ = read_frame(args.b, args.key, key)
    options = _zoomed(a, render_options(args), layouts)
    options.setdefault("normalize", "global-symmetric")
    image = diff(a, b, match=args.match, **options)
    write_png(args.output, image, level="fast" if args.level is None else args.level)
    matched = " after matching filters" if args.match else ""
    note(args, f"wrote {args.output}: {image.shape[1]} x {image.shape[0]} diff of {key}{matched}")
    return 0


def _animate_parser(subparsers: Any) -> None:
    a = add_subcommand(
        subparsers,
        "animate",
        "filters evolving over checkpoints, as GIF, APNG, WebP or MP4",
        [
            "fasttile animate ckpt_*.pt --key conv1.weight -o evolution.mp4",
            "fasttile animate $(ls -v runs/*.safetensors) -o evolution.webp --normalize tile --fps 10",
        ],
    )
    a.add_argument("files", nargs="+", help="checkpoints in frame order (any format fasttile reads)")
    a.add_argument("--key", help="which tensor (default: the first that looks like first-layer filters)")
    a.add_argument("-o", "--output", default="evolution.gif", help=".gif, .png (APNG), .webp or .mp4")
    a.add_argument("--fps", type=float, default=5.0, help="frames per second (default 5)")
    a.add_argument("--no-captions", action="store_true", help="do not write each file's name under it")
    add_render_options(  # --normalize gains the modes that span all frames
        a,
        choices={"normalize": ANIMATION_NORMALIZE},
        help={
            **AUTO_ZOOM_HELP,
            "normalize": "fixed (default): each tile's range over all frames; fixed-symmetric; or per frame",
        },
    )
    a.set_defaults(normalize="fixed")
    a.set_defaults(run=_cmd_animate)


def _diff_parser(subparsers: Any) -> None:
    d = add_subcommand(
        subparsers,
        "diff",
        "the difference of one layer between two checkpoints, on a symmetric scale",
        [
            "fasttile diff epoch1.pt epoch9.pt --key conv1.weight -o diff.png",
            "fasttile diff run_a.pt run_b.pt --key conv1.weight --match -o matched.png",
        ],
    )
    d.add_argument("a", help="first checkpoint")
    d.add_argument("b", help="second checkpoint (a - b is drawn)")
    d.add_argument("--key", help="which tensor (default: the first that looks like first-layer filters)")
    d.add_argument("--match", action="store_true", help="pair b's filters with a's (cosine similarity) first")
    d.add_argument("-o", "--output", default="diff.png", help="PNG to write (default diff.png)")
    add_level_argument(d)
    add_render_options(  # a diff is drawn on a symmetric scale
        d,
        choices={"normalize": DIFF_NORMALIZE},
        why={"normalize": "a diff is drawn on a symmetric scale"},
        help={
            **AUTO_ZOOM_HELP,
            "normalize": "global-symmetric (default): one scale for all tiles; symmetric: one per tile",
        },
    )
    d.set_defaults(run=_cmd_diff, cmap="RdBu_r")


def register(subparsers: Any) -> None:
    """Add `animate` and `diff` to the fasttile command's subparsers."""
    _animate_parser(subparsers)
    _diff_parser(subparsers)
