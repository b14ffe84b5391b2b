"""What the command modules share: their parser's shape (examples, --quiet), the
input file and --key, the output flags, the weights opened lazily, the notes on stderr."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..loaders.registry import find_key, open_source, supported
from ..loaders.source import Source
from ..tiling.layout import looks_like_first_layer
from .flags import level, render_options
from .output import output_formats
from .words import CliError, printable


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
    p.add_argument("file", help=f"weights file: {supported()}")
    p.add_argument("--key", help="which tensor (default: the first that looks like first-layer filters)")


def add_output_arguments(p: argparse.ArgumentParser, default: str = "filters.png") -> None:
    formats = ", ".join(output_formats())
    p.add_argument("-o", "--output", default=default, help=f"image to write: {formats} (default {default})")
    add_level_argument(p)


def add_level_argument(p: argparse.ArgumentParser, default: str = "fast") -> None:
    """--level: PNG compression, as save's level= ("fast", "small", "none" or 0..9)."""
    p.add_argument(
        "--level", type=level, metavar="fast|small|none|0..9", help=f"PNG compression (default {default})"
    )


def note(args: argparse.Namespace, message: str) -> None:
    """An informational line on stderr, unless --quiet."""
    if not getattr(args, "quiet", False):
        print(f"fasttile: {message}", file=sys.stderr)


@dataclass
class Weights:
    source: Source
    name: str
    tensor: Any

    @property
    def ndim(self) -> int:
        return len(self.tensor.shape)


def _default_key(source: Source, args: argparse.Namespace) -> str:
    names = [n for n, info in source.tensors.items() if len(info.shape) in (2, 3, 4)]
    if not names:
        shapes = ", ".join(f"{printable(n)} {tuple(i.shape)}" for n, i in list(source.tensors.items())[:4])
        raise CliError(f"{source.path} holds no 2-D, 3-D or 4-D tensor to render (it has {shapes or 'none'})")
    first_layer = [n for n in names if looks_like_first_layer(source.tensors[n].shape, source.layouts)]
    name = (first_layer or names)[0]
    if len(source.tensors) > 1:
        note(args, f"rendering {printable(name)!r} (choose another with --key; list them with fasttile ls)")
    return name


def open_weights(args: argparse.Namespace) -> Weights:
    """The tensor named by --key (or the likeliest first layer) of args.file, mapped lazily."""
    source = open_source(args.file)
    name = find_key(source, args.key) if args.key is not None else _default_key(source, args)
    return Weights(source, name, source.read(name))


def framework_options(args: argparse.Namespace, weights: Weights) -> dict:
    """The render flags given, and the layout the weights' framework uses when --layout is not."""
    options = render_options(args)
    if "layout" not in options and weights.ndim in weights.source.layouts:
        options["layout"] = weights.source.layouts[weights.ndim]
    return options
