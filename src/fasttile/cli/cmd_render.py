"""`fasttile render`: one tensor of a weight file to an image (or a zarr mosaic)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from .common import (
    add_input_arguments,
    add_output_arguments,
    add_subcommand,
    framework_options,
    note,
    open_weights,
)
from .flags import add_render_options
from .output import check_output, save_with_progress
from .words import printable
from .zarr_stores import add_zarr_options, cli_render_zarr
from .zoom import AUTO_ZOOM_HELP, choose_zoom

ORDER = 0  # where the command stands in `fasttile --help`


def _cmd_render(args: argparse.Namespace) -> int:
    if str(args.output).rstrip("/").endswith(".zarr"):
        return _render_to_zarr(args)
    check_output(args.output)
    weights = open_weights(args)
    options = framework_options(args, weights)
    zoom, padding, size = choose_zoom(weights.tensor, options)
    chosen = "zoom" not in options and size is not None and zoom > 1
    options.update(zoom=zoom, padding=padding)
    start = time.perf_counter()
    shape = save_with_progress(args, weights.tensor, args.output, options, size)
    kind = "RGB" if len(shape) == 3 else "gray"
    how = f" at zoom {zoom}, padding {padding} (chosen: set --zoom, --padding)" if chosen else ""
    note(
        args,
        f"wrote {args.output}: {shape[1]} x {shape[0]} {kind} mosaic of {printable(weights.name)} "
        f"{tuple(weights.tensor.shape)}{how}, in {time.perf_counter() - start:.2f} s",
    )
    return 0


def _render_to_zarr(args: argparse.Namespace) -> int:
    """-o *.zarr: the mosaic as a zarr array (or an OME-Zarr pyramid), one dask task per
    band; the exact default geometry, since a zarr mosaic is read by viewers that zoom."""
    weights = open_weights(args)
    summary = cli_render_zarr(
        weights.tensor,
        args.output,
        options=framework_options(args, weights),
        rows=args.rows,
        pyramid=args.pyramid,
        resume=args.resume,
        overwrite=args.overwrite,
        scheduler=args.scheduler,
    )
    note(args, summary)
    return 0


def register(subparsers: Any) -> None:
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
    add_render_options(  # a zarr mosaic keeps render's exact geometry: viewers zoom it
        r, help={**AUTO_ZOOM_HELP, "zoom": AUTO_ZOOM_HELP["zoom"].replace(")", "; 1 for -o *.zarr)")}
    )
    add_zarr_options(r)
    r.set_defaults(run=_cmd_render)
