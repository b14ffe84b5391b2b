"""The browsing subcommands: `fasttile pyramid` (a zoomable site with a viewer) and
`fasttile sprite` (a TensorBoard Projector folder). cli.py calls register(subparsers);
main(argv) runs them alone (tests)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any, Callable, Optional

from . import cli
from ._loaders import LoadError, load

_GRID_DEFAULTS = {"padding": 1, "zoom": 1, "fill": "rows", "nrows": None, "ncols": None}


def _source(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help=".npy, .npz, .safetensors, .pt/.pth, .h5/.keras")
    p.add_argument("--key", help="which tensor (default: the first that looks like first-layer filters)")
    p.add_argument("--labels", metavar="FILE", help="a UTF-8 text file, one label per unit (one a line)")
    p.add_argument(
        "--dead",
        choices=["hide", "only"],
        help="hide dead units (constant or near-zero norm), or show only them",
    )


def _read_labels(path: Optional[str]) -> Optional[list[str]]:
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except UnicodeDecodeError:
        raise ValueError(f"--labels {path} is not UTF-8 text") from None


def _tensor_and_options(args: argparse.Namespace) -> tuple[str, Any, dict]:
    tensors, layouts = load(args.file)
    name, tensor = cli._pick(tensors, args.key, layouts, args.file)
    options = cli._render_options(args)
    if "layout" not in options and len(tensor.shape) in layouts:
        options["layout"] = layouts[len(tensor.shape)]
    if args.dead is not None:
        options["dead"] = args.dead
    return name, tensor, options


def _progress_bar(total_hint: str, quiet: bool) -> tuple[Optional[Callable[[int, int], None]], Callable]:
    """A tqdm bar on stderr when tqdm is installed (else a plain percentage)."""
    if quiet:
        return None, lambda: None
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if tqdm is not None:
            bar = state.setdefault("bar", tqdm(total=total, unit="tile", desc=total_hint, file=sys.stderr))
            bar.update(done - bar.n)
        elif done == total or done % 1000 == 0:
            print(f"\r{total_hint}: {100 * done // total}%", end="", file=sys.stderr)

    def close() -> None:
        if "bar" in state:
            state["bar"].close()
        elif tqdm is None:
            print(file=sys.stderr)

    return update, close


def _cmd_pyramid(args: argparse.Namespace) -> int:
    from .pyramid import pyramid

    name, tensor, options = _tensor_and_options(args)
    labels = _read_labels(args.labels)
    progress, close = _progress_bar("tiles", args.quiet)
    start = time.perf_counter()
    try:
        info = pyramid(
            tensor,
            args.output,
            format=args.format,
            compress_level=args.compress_level,
            title=args.title if args.title is not None else f"{args.file}: {name}",
            labels=labels,
            dead_norm=args.dead_norm,
            progress=progress,
            **options,
        )
    finally:
        close()
    print(
        f"{args.output}: {info.shape[1]} x {info.shape[0]} mosaic of {name} {tuple(tensor.shape)}, "
        f"zoom 0..{info.max_zoom}, {info.tiles_written} tiles, {info.dead_tiles} dead, "
        f"in {time.perf_counter() - start:.2f} s; open {args.output.rstrip('/')}/index.html"
    )
    return 0


def _grid_options_for_sprite(options: dict) -> dict:
    for key, default in _GRID_DEFAULTS.items():
        if options.get(key, default) != default:
            flag = "--" + key.replace("_", "-")
            raise ValueError(f"{flag} does not apply: the projector fixes the sprite's grid")
        options.pop(key, None)
    return options


def _cmd_sprite(args: argparse.Namespace) -> int:
    from .sprite import sprite

    name, tensor, options = _tensor_and_options(args)
    options = _grid_options_for_sprite(options)
    start = time.perf_counter()
    info = sprite(
        tensor,
        args.output,
        tensor_name=args.tensor_name or name,
        labels=_read_labels(args.labels),
        tensors=not args.no_tensors,
        **options,
    )
    print(
        f"{args.output}: {info.points} points, sprite {info.sprite_shape[1]} x {info.sprite_shape[0]} "
        f"({info.tile_shape[1]} x {info.tile_shape[0]} a tile) in {time.perf_counter() - start:.2f} s; "
        f"run: tensorboard --logdir {args.output}"
    )
    return 0


def register(sub: Any) -> None:
    """Add `pyramid` and `sprite` to the fasttile command's subparsers."""
    p = sub.add_parser("pyramid", help="write a zoomable tile pyramid and a viewer (opens from file://)")
    _source(p)
    p.add_argument("-o", "--output", default="site", help="folder to write (default site)")
    p.add_argument("--format", choices=["png", "webp"], default="png", help="tile format (webp: lossless)")
    p.add_argument("--title", help="the viewer's title (default: file and tensor name)")
    p.add_argument("--dead-norm", type=float, help="dead below this L2 norm (default: 1e-3 of the largest)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    cli._add_render_options(p)
    p.set_defaults(run=_cmd_pyramid)
    s = sub.add_parser("sprite", help="write a TensorBoard Projector folder (sprite, metadata, tensors)")
    _source(s)
    s.add_argument("-o", "--output", default="projector", help="folder to write (default projector)")
    s.add_argument("--tensor-name", help="the embedding's name in the projector (default: the tensor's)")
    s.add_argument("--no-tensors", action="store_true", help="skip tensors.tsv (the weights as text)")
    cli._add_render_options(s)
    s.set_defaults(run=_cmd_sprite)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="fasttile", description="Browse a large bank of weights.")
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
