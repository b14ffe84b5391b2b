"""The `fasttile animate` and `fasttile diff` subcommands. cli.py adds them with
register(subparsers); main(argv) runs them alone (tests, and until cli.py wires them)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any, Optional

from ._loaders import LoadError
from ._render import NORMALIZATIONS
from .cli import _add_render_options, _render_options


def _as_load_error(run: Any) -> Any:
    """Missing optional packages become the one-line error every subcommand prints."""

    def wrapped(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except ImportError as exc:
            raise LoadError(str(exc)) from None

    return wrapped


def _cmd_animate(args: argparse.Namespace) -> int:
    from .animate import animate

    if args.fps <= 0 or args.fps > 100:
        raise ValueError(f"--fps must be in (0, 100], got {args.fps}")
    start = time.perf_counter()
    options = _render_options(args)
    options.pop("normalize", None)
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
    print(
        f"{info.path}: {info.format}, {info.frames} frames of {info.shape[1]} x {info.shape[0]} "
        f"in {seconds:.2f} s ({info.frames / seconds:.0f} frames/s)"
    )
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    from .animate import read_frame
    from .diff import diff
    from .png import write_png

    a, key, layouts = read_frame(args.a, args.key)
    b, _, _ = read_frame(args.b, args.key, key)
    options = _render_options(args)
    options.setdefault("normalize", "global-symmetric")
    if "layout" not in options and len(a.shape) in layouts:
        options["layout"] = layouts[len(a.shape)]
    options.setdefault("cmap", "RdBu_r")
    image = diff(a, b, match=args.match, **options)
    write_png(args.output, image, level=args.compress_level)  # atomic
    what = " after matching filters" if args.match else ""
    print(f"{args.output}: {image.shape[1]} x {image.shape[0]} mosaic of {key} ({args.a} - {args.b}{what})")
    return 0


def register(subparsers: Any) -> None:
    """Add `animate` and `diff` to the fasttile command's subparsers."""
    modes = ("fixed", "fixed-symmetric") + NORMALIZATIONS
    a = subparsers.add_parser(
        "animate", help="filters over checkpoints as GIF/APNG/WebP/MP4", conflict_handler="resolve"
    )
    a.add_argument("files", nargs="+", help="checkpoints in frame order (.pt, .safetensors, .npy, ...)")
    a.add_argument("-o", "--output", default="evolution.gif", help=".gif, .png (APNG), .webp or .mp4")
    a.add_argument("--key", help="which tensor (default: the first that looks like first-layer filters)")
    a.add_argument("--fps", type=float, default=5.0, help="frames per second (default 5)")
    a.add_argument("--no-captions", action="store_true", help="do not draw each file name under its frame")
    _add_render_options(a)
    a.add_argument(
        "--normalize",
        choices=modes,
        default="fixed",
        help="fixed: each tile's range over all frames (default)",
    )
    a.set_defaults(run=_as_load_error(_cmd_animate))
    d = subparsers.add_parser("diff", help="the difference of a layer between two checkpoints")
    d.add_argument("a")
    d.add_argument("b")
    d.add_argument("-o", "--output", default="diff.png", help="PNG to write (default diff.png)")
    d.add_argument("--key", help="which tensor (default: the first that looks like first-layer filters)")
    d.add_argument(
        "--match", action="store_true", help="pair b's filters with a's by cosine similarity first"
    )
    _add_render_options(d)
    d.set_defaults(run=_as_load_error(_cmd_diff))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="fasttile")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (LoadError, ValueError, TypeError, IndexError, OSError) as exc:
        print(
            f"fasttile: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
