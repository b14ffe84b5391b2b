"""The command line's output: the format check, a progress bar for slow writes, and
the write itself through fasttile.save (streaming, atomic, format by extension)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import Any, Callable, Optional

from ..io.registry import extensions, writer_for
from ..io.save import save
from .words import CliError


def output_formats() -> tuple[str, ...]:
    """What -o takes: every format save writes, and zarr stores (fasttile.to_zarr)."""
    return extensions() + (".zarr",)


def check_output(path: str) -> None:
    """Refuse an output extension fasttile.save has no writer for, before any work."""
    try:
        writer_for(path)
    except ValueError:
        raise CliError(f"cannot write {path}: -o takes {', '.join(output_formats())}") from None


@contextlib.contextmanager
def progress_bar(args: argparse.Namespace, total_rows: int, seconds: float) -> Iterator[Optional[Callable]]:
    """A tqdm bar on stderr for writes expected to take over a second, when stderr
    is a terminal and not --quiet; yields save's progress callback (or None)."""
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a nicety: no tqdm, no bar
        tqdm = None
    if tqdm is None or getattr(args, "quiet", False) or seconds < 1.0 or not sys.stderr.isatty():
        yield None
        return

    with tqdm(total=total_rows, unit="row", file=sys.stderr, leave=True) as bar:

        def update(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield update


def _expected_seconds(tensor: Any, size: Optional[tuple[int, int]], channels: int) -> float:
    """A rough write-time estimate: rendering is fast; compressing the pixels is not."""
    pixels = size[0] * size[1] * channels if size else 0
    return pixels / 80e6 + getattr(tensor, "nbytes", 0) / 2e9


def save_with_progress(
    args: argparse.Namespace, tensor: Any, path: str, options: dict, size: Optional[tuple[int, int]]
) -> tuple[int, ...]:
    """Write the mosaic with fasttile.save (a progress bar when it is slow); its shape."""
    check_output(path)
    if getattr(args, "level", None) is not None:
        options = {**options, "level": args.level}
    channels = 3 if options.get("cmap") or isinstance(options.get("pad_value"), tuple) else 1
    with progress_bar(args, size[0] if size else 0, _expected_seconds(tensor, size, channels)) as callback:
        info = save(tensor, path, progress=callback, **options)
    return tuple(info.shape)
