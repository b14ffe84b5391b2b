"""The fasttile command: render a tensor of a weight file, list a file's tensors, run
the demo. Errors are one line on stderr in command-line words and exit status 2,
never a traceback.

Adding a subcommand: write a module with ``register(subparsers)`` that creates its
parser with `add_subcommand` and sets ``run=function(args) -> int``; then add one
line to `SUBCOMMANDS`. The helpers here (`add_input_arguments`, `add_render_options`,
`add_output_arguments`, `open_weights`, `render_options`, `note`, and from the
modules beside it `choose_zoom`, `progress_bar`, `save_with_progress`, `CliError`)
are for those modules too.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import inspect
import re
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

from . import __version__
from ._cli_output import check_output, output_formats, progress_bar, save_with_progress
from ._cli_words import CliError, cli_words, one_line, printable
from ._cli_zoom import (
    AUTO_ZOOM_MAX,
    AUTO_ZOOM_MAX_SIDE,
    AUTO_ZOOM_TARGET,
    choose_zoom,
    mosaic_size,
    padding_for,
)
from ._layout import DEFAULT_LAYOUT, LAYOUTS_BY_NDIM
from ._layout_hints import LayoutWarning
from ._loaders import SUPPORTED, LoadError, Source, find_key, open_source
from ._render import DEAD_MODES, NORMALIZATIONS, ORDERS, render

# Subcommand modules beyond this one, each with register(subparsers): one line each.
SUBCOMMANDS: tuple[str, ...] = ("fasttile._cli_train", "fasttile._cli_browse", "fasttile._cli_activations")

__all__ = [
    "AUTO_ZOOM_MAX",
    "AUTO_ZOOM_MAX_SIDE",
    "AUTO_ZOOM_TARGET",
    "CliError",
    "SUBCOMMANDS",
    "add_input_arguments",
    "add_output_arguments",
    "add_render_options",
    "add_subcommand",
    "build_parser",
    "check_output",
    "choose_zoom",
    "main",
    "mosaic_size",
    "note",
    "open_weights",
    "output_formats",
    "padding_for",
    "progress_bar",
    "register",
    "render_options",
    "save_with_progress",
]


# ---------------------------------------------------------------- argument types


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def _indices(text: str) -> Any:
    if ":" in text:
        try:
            parts = [int(p) if p else None for p in text.split(":")]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"a slice is START:STOP[:STEP] of integers, got {text!r}"
            ) from None
        if len(parts) > 3:
            raise argparse.ArgumentTypeError(f"a slice is START:STOP[:STEP], got {text!r}")
        return slice(*parts)
    return list(_ints(text))


def _channel(text: str) -> Any:
    if text in ("mean", "split"):
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, mean or split, got {text!r}") from None


def _pad(text: str) -> Any:
    values = _ints(text)
    return values[0] if len(values) == 1 else values


# ---------------------------------------------------------------- parser building


class _Parser(argparse.ArgumentParser):
    """argparse, suggesting the closest flag for a misspelt one."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        unknown = re.match(r"unrecognized arguments: (--[\w-]+)", message)
        if unknown:
            flags = sorted(f for f in _flags(self) if f.startswith("--"))
            close = difflib.get_close_matches(unknown.group(1), flags, n=1)
            if close:
                message += f" (did you mean {close[0]}?)"
        super().error(message)


def add_subcommand(
    subparsers: Any, name: str, help: str, examples: Sequence[str], description: str = ""
) -> argparse.ArgumentParser:
    """A subcommand parser with its examples under the option list, and --quiet."""
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    p = subparsers.add_parser(
        name,
        help=help,
        description=description or help,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but warnings and errors")
    return p


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help=f"weights file: {SUPPORTED}")
    p.add_argument("--key", help="which tensor (default: the first that looks like first-layer filters)")


def add_render_options(p: argparse.ArgumentParser) -> None:
    layouts = [n for names in LAYOUTS_BY_NDIM.values() for n in names]
    g = p.add_argument_group("render options (as fasttile.render)")
    add = g.add_argument
    add(
        "--layout",
        choices=layouts,
        help="weight layout (default: rows / nhw / oihw by ndim; Keras files hwio / cols)",
    )
    add(
        "--tile-shape",
        type=_ints,
        metavar="H,W[,C]",
        help="tile shape for 2-D weights (inferred when square)",
    )
    add("--channel-order", choices=["hwc", "chw"], help="order of a flattened tile's values (default hwc)")
    add(
        "--channel",
        type=_channel,
        metavar="K|mean|split",
        help="draw channel K only, the mean, or split them",
    )
    add("--bgr", action="store_true", default=None, help="weights are BGR (Caffe, OpenCV)")
    add("--normalize", choices=NORMALIZATIONS, help="range per tile (default), global, symmetric, ...")
    add("--value-range", type=_floats, metavar="LO,HI", help="fixed range, values clamped (e.g. -1,1)")
    add("--nonfinite", choices=["raise", "mark"], help="NaN/inf: fail (default) or paint magenta")
    add(
        "--indices", type=_indices, metavar="I,J,..|A:B[:S]", help="which filters to draw (e.g. 0,5,9 or -8:)"
    )
    add(
        "--order",
        choices=list(ORDERS),
        help="index (default); norm, variance or max_abs: largest first",
    )
    add(
        "--dead",
        choices=list(DEAD_MODES),
        help="hide dead units (constant or near-zero norm), or only show them",
    )
    add("--top", type=int, metavar="N", help="draw only the first N filters (after --order)")
    add("--nrows", type=int, metavar="N", help="grid rows (default: as many as needed)")
    add("--ncols", type=int, metavar="N", help="grid columns (default: ceil(sqrt(tiles)))")
    add("--fill", choices=["rows", "columns"], help="fill the grid row by row (default) or column by column")
    add("--padding", type=int, metavar="PX", help="pixels between tiles (default: 1, growing with the zoom)")
    add("--pad-value", type=_pad, metavar="V|R,G,B", help="padding colour: gray level or R,G,B (default 0)")
    add("--zoom", type=int, metavar="Z", help="integer upscaling (default: chosen so the picture is ~512 px)")
    add("--cmap", help="matplotlib colormap for gray tiles (e.g. RdBu_r)")
    add("--threads", type=int, metavar="N", help="kernel threads (default: all cores)")
    add("--backend", choices=["auto", "native", "numpy"], help="compiled kernel (default auto) or NumPy")


def add_output_arguments(p: argparse.ArgumentParser, default: str = "filters.png") -> None:
    formats = ", ".join(output_formats())
    p.add_argument("-o", "--output", default=default, help=f"image to write: {formats} (default {default})")
    p.add_argument("--compress-level", type=int, metavar="0..9", help="PNG deflate level (default: fast)")


# every render keyword a flag can set (flags are the keywords with dashes)
_RENDER_KEYS = tuple(
    name
    for name, p in inspect.signature(render).parameters.items()
    if p.kind == p.KEYWORD_ONLY and name != "out"
)


def render_options(args: argparse.Namespace, weights: Optional[Weights] = None) -> dict:
    """The render keywords given on the command line (others keep their defaults);
    with `weights`, also the layout its framework uses when --layout is not given."""
    options = {k: getattr(args, k) for k in _RENDER_KEYS if getattr(args, k, None) is not None}
    if weights is not None and "layout" not in options and weights.ndim in weights.source.layouts:
        options["layout"] = weights.source.layouts[weights.ndim]
    return options


# the names subcommand modules written against the previous cli.py import
_add_render_options = add_render_options
_render_options = render_options


def note(args: argparse.Namespace, message: str) -> None:
    """An informational line on stderr, unless --quiet."""
    if not getattr(args, "quiet", False):
        print(f"fasttile: {message}", file=sys.stderr)


# ---------------------------------------------------------------- weights


@dataclass
class Weights:
    source: Source
    name: str
    tensor: Any

    @property
    def ndim(self) -> int:
        return len(self.tensor.shape)


def _channels_axis(layout: str) -> int:
    return {"oihw": 1, "nchw": 1, "hwio": 2, "ohwi": 3, "nhwc": 3}[layout]


def _looks_like_first_layer(shape: tuple[int, ...], layouts: dict) -> bool:
    """4-D filters whose channels draw as RGB or gray tiles (not one tile per channel)."""
    if len(shape) != 4:
        return False
    return shape[_channels_axis(layouts.get(4) or DEFAULT_LAYOUT[4])] in (1, 3)


def _default_key(source: Source, args: argparse.Namespace) -> str:
    names = [n for n, info in source.tensors.items() if len(info.shape) in (2, 3, 4)]
    if not names:
        raise CliError(f"{source.path} holds no 2-D, 3-D or 4-D tensor to render")
    first_layer = [n for n in names if _looks_like_first_layer(source.tensors[n].shape, source.layouts)]
    name = (first_layer or names)[0]
    if len(source.tensors) > 1:
        note(args, f"rendering {printable(name)!r} (choose another with --key; list them with fasttile ls)")
    return name


def open_weights(args: argparse.Namespace) -> Weights:
    """The tensor named by --key (or the likeliest first layer) of args.file, mapped lazily."""
    source = open_source(args.file)
    name = find_key(source, args.key) if args.key is not None else _default_key(source, args)
    return Weights(source, name, source.read(name))


# ---------------------------------------------------------------- picture size


# ---------------------------------------------------------------- subcommands


def _cmd_render(args: argparse.Namespace) -> int:
    if str(args.output).rstrip("/").endswith(".zarr"):
        return _render_to_zarr(args)
    check_output(args.output)
    weights = open_weights(args)
    options = render_options(args, weights)
    zoom, padding, size = choose_zoom(weights.tensor, options)
    if "zoom" not in options and size is not None and zoom > 1:
        note(args, f"zoom {zoom}, padding {padding}: a {size[1]} x {size[0]} picture (set --zoom, --padding)")
    options.update(zoom=zoom, padding=padding)
    start = time.perf_counter()
    shape = save_with_progress(args, weights.tensor, args.output, options, size)
    kind = "RGB" if len(shape) == 3 else "gray"
    note(
        args,
        f"wrote {args.output}: {shape[1]} x {shape[0]} {kind} mosaic of {printable(weights.name)} "
        f"{tuple(weights.tensor.shape)} in {time.perf_counter() - start:.2f} s",
    )
    return 0


def _render_to_zarr(args: argparse.Namespace) -> int:
    """-o *.zarr: the mosaic as a zarr array (or an OME-Zarr pyramid), one dask task per
    band; the exact default geometry, since a zarr mosaic is read by viewers that zoom."""
    from ._zarr_cli import cli_render_zarr

    weights = open_weights(args)
    summary = cli_render_zarr(
        weights.tensor,
        args.output,
        options=render_options(args, weights),
        rows=args.rows,
        pyramid=args.pyramid,
        resume=args.resume,
        overwrite=args.overwrite,
        scheduler=args.scheduler,
    )
    note(args, summary)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import learn_filters

    check_output(args.output)
    start = time.perf_counter()
    options = {"tile_shape": (8, 8, 3), "zoom": args.zoom, "padding": 1, "pad_value": 255}
    shape = save_with_progress(args, learn_filters(), args.output, options, None)
    note(
        args,
        f"wrote {args.output}: {shape[1]} x {shape[0]} mosaic of 64 ICA filters (8x8 RGB) learned from "
        f"matplotlib's sample photo in {time.perf_counter() - start:.2f} s",
    )
    return 0


def register(subparsers: Any) -> None:
    """fasttile's own subcommands: render, ls, demo."""
    from ._cli_ls import register_ls
    from ._zarr_cli import add_zarr_options

    r = add_subcommand(
        subparsers,
        "render",
        "render a tensor of a weight file to an image",
        [
            "fasttile render model.pt --key conv1.weight -o conv1.png",
            "fasttile render W1.npy --layout cols --value-range -0.05,0.05",
            "fasttile render model.safetensors --order norm --top 64 --cmap RdBu_r --normalize symmetric",
        ],
    )
    add_input_arguments(r)
    add_output_arguments(r)
    add_render_options(r)
    add_zarr_options(r)
    r.set_defaults(run=_cmd_render)
    register_ls(subparsers)
    d = add_subcommand(
        subparsers,
        "demo",
        "learn 64 filters from matplotlib's sample photo (ICA, ~1 s) and render them",
        ["fasttile demo", "fasttile demo -o ica.png --zoom 8"],
    )
    d.add_argument("-o", "--output", default="filters.png", help="image to write (default filters.png)")
    d.add_argument("--zoom", type=int, default=4, metavar="Z", help="integer upscaling (default 4)")
    d.add_argument("--compress-level", type=int, metavar="0..9", help="PNG deflate level (default: fast)")
    d.set_defaults(run=_cmd_demo)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fasttile",
        description="Render neural-network weights as a mosaic of tiles.",
        epilog="examples:\n"
        "  fasttile demo -o filters.png                     a first mosaic, from filters it learns\n"
        "  fasttile ls model.safetensors                    tensors, shapes, the layout it would use\n"
        "  fasttile render model.pt --key conv1.weight -o conv1.png\n\n"
        "fasttile COMMAND --help shows each command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fasttile {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    register(sub)
    for module in SUBCOMMANDS:
        importlib.import_module(module).register(sub)
    return parser


# ---------------------------------------------------------------- running


def _flags(parser: argparse.ArgumentParser, taking_values: bool = False) -> set[str]:
    """Every flag of the parser and its subcommands (only those taking a value)."""
    flags: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                flags |= _flags(child, taking_values)
        elif action.option_strings and (action.nargs != 0 or not taking_values):
            flags.update(action.option_strings)
    return flags


_NEGATIVE = re.compile(r"^-(\d|\.\d|:)")


def join_negative_values(argv: Sequence[str], value_flags: set[str]) -> list[str]:
    """`--value-range -1,1` -> `--value-range=-1,1`: argparse takes -1,1 for a flag."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in value_flags and i + 1 < len(argv) and _NEGATIVE.match(argv[i + 1]):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def _print_warning(message: Any, category: Any, *rest: Any, **kw: Any) -> None:
    print(f"fasttile: warning: {cli_words(one_line(str(message)))}", file=sys.stderr)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(join_negative_values(argv, _flags(parser, taking_values=True)))
    with warnings.catch_warnings():
        warnings.simplefilter("always", LayoutWarning)
        warnings.showwarning = _print_warning
        try:
            return args.run(args)
        except CliError as exc:
            print(f"fasttile: error: {one_line(str(exc))}", file=sys.stderr)
        except (LoadError, ValueError, TypeError, IndexError, OSError, ImportError, MemoryError) as exc:
            text = one_line(str(exc)) or type(exc).__name__
            print(f"fasttile: error: {cli_words(text)}", file=sys.stderr)
        except KeyboardInterrupt:
            print("fasttile: interrupted", file=sys.stderr)
            return 130
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
