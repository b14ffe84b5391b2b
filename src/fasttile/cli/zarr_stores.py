"""Plain functions behind `fasttile render bank.zarr -o mosaic.zarr`, `fasttile pyramid`
and `fasttile ls bank.zarr`, for cli.py to wire up. They return the text to print and
raise ValueError / FileExistsError / OSError whose message names the flag that fixes it."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Optional

import numpy as np

from ..chunked.checks import stand_in
from ..chunked.zarr_read import list_arrays, open_bank
from ..chunked.zarr_write import to_zarr
from ..kernel.arrays import as_weights
from ..tiling.layout import DEFAULT_LAYOUT, resolve

SCHEDULERS = ("threads", "processes", "sync")


def is_zarr_path(path: str) -> bool:
    """A zarr store on disk (v3 zarr.json, v2 .zarray/.zgroup) or a name ending in .zarr."""
    if str(path).rstrip("/").endswith(".zarr"):
        return True
    return any(os.path.exists(os.path.join(path, name)) for name in ("zarr.json", ".zarray", ".zgroup"))


def add_zarr_options(parser: argparse.ArgumentParser) -> None:
    """The flags of a zarr render: --rows, --pyramid, --resume, --overwrite, --scheduler."""
    g = parser.add_argument_group("zarr output (when -o ends in .zarr)")
    g.add_argument("--rows", type=int, help="grid rows per band: one dask task and one chunk row each")
    g.add_argument(
        "--pyramid",
        nargs="?",
        const=True,
        type=int,
        default=False,
        metavar="LEVELS",
        help="write an OME-Zarr multiscale group (coarser levels: LEVELS, default until 1024 px)",
    )
    g.add_argument("--resume", action="store_true", help="finish an interrupted write of the same render")
    g.add_argument("--overwrite", action="store_true", help="replace what the output store holds")
    g.add_argument(
        "--scheduler",
        help="dask scheduler: threads (default), processes, sync, or a distributed scheduler address",
    )


@contextmanager
def scheduler_for(name: Optional[str]) -> Iterator[Any]:
    """The `scheduler=` value for a --scheduler flag; an address starts a distributed
    Client for the duration (closed after)."""
    if name is None or name in SCHEDULERS:
        yield name
        return
    if "://" not in name and ":" not in name:
        raise ValueError(
            f"--scheduler must be one of {', '.join(SCHEDULERS)} or a scheduler address, got {name!r}"
        )
    try:
        from distributed import Client
    except ImportError:
        raise ImportError(
            "--scheduler ADDRESS needs the 'dask' extra: pip install 'fasttile[dask]'"
        ) from None
    with Client(name) as client:
        yield client


def cli_render_zarr(
    source: str,
    output: str,
    *,
    key: Optional[str] = None,
    options: Optional[dict] = None,
    rows: Optional[int] = None,
    pyramid: Any = False,
    resume: bool = False,
    overwrite: bool = False,
    scheduler: Optional[str] = None,
) -> str:
    """Render a zarr bank (or any bank already loaded: pass it as `source`) into a zarr
    store; returns the summary line. `options` are render's keywords."""
    bank = open_bank(source, key=key) if isinstance(source, (str, os.PathLike)) else source
    start = time.perf_counter()
    with scheduler_for(scheduler) as chosen:
        try:
            info = to_zarr(
                bank,
                output,
                rows=rows,
                pyramid=pyramid,
                resume=resume,
                overwrite=overwrite,
                scheduler=chosen,
                **(options or {}),
            )
        except FileExistsError:
            raise FileExistsError(
                f"{output} already holds zarr data: pass --overwrite to replace it, "
                "or --resume to finish an interrupted write of the same render"
            ) from None
    seconds = time.perf_counter() - start
    height, width = info.shape[:2]
    kind = "RGB" if len(info.shape) == 3 else "gray"
    levels = f", {len(info.level_shapes)} levels (OME-Zarr)" if pyramid else ""
    skipped = f", {info.bands_skipped} already written" if info.bands_skipped else ""
    return (
        f"{output}: {width} x {height} {kind} mosaic, {info.nrows} x {info.ncols} tiles{levels}; "
        f"{info.bands_written} of {info.bands} bands written{skipped} in {seconds:.2f} s"
    )


def cli_ls_zarr(path: str) -> list[str]:
    """`fasttile ls` lines for a zarr store: each array's name, shape, dtype and chunks,
    and the layout fasttile would use for it."""
    lines = [f"{'name':32} {'shape':22} {'dtype':9} {'chunks':20} layout"]
    for found in list_arrays(path):
        shape, dtype = found["shape"], found["dtype"]
        try:
            view = resolve(*as_weights(stand_in(shape, np.dtype(dtype))))
            layout = DEFAULT_LAYOUT.get(len(shape), "")
            desc = f"{layout} ({view.units} x {view.shape[1]} tiles of {view.shape[3]}x{view.shape[4]})"
        except (ValueError, TypeError) as exc:
            desc = f"not renderable: {str(exc).split(';')[0]}"
        name = found["name"] or "(the array itself)"
        lines.append(f"{name:32} {str(tuple(shape)):22} {dtype:9} {str(tuple(found['chunks'])):20} {desc}")
    return lines
