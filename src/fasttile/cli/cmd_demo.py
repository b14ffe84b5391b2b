"""`fasttile demo`: learn a real filter bank from matplotlib's sample photo and render it."""

from __future__ import annotations

import argparse
import time
from typing import Any

from ..demo import learn_filters
from .common import add_level_argument, add_subcommand, note
from .output import check_output, save_with_progress

ORDER = 2  # where the command stands in `fasttile --help`


def _cmd_demo(args: argparse.Namespace) -> int:
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
    d = add_subcommand(
        subparsers,
        "demo",
        "learn 64 filters from matplotlib's sample photo (ICA, ~1 s) and render them",
        ["fasttile demo", "fasttile demo -o ica.png --zoom 8"],
    )
    d.add_argument("-o", "--output", default="filters.png", help="image to write (default filters.png)")
    d.add_argument("--zoom", type=int, default=4, metavar="Z", help="integer upscaling (default 4)")
    add_level_argument(d)
    d.set_defaults(run=_cmd_demo)
