"""While the network trains: the cost of logging filters, and of animating checkpoints.

    python benchmarks/bench_train.py            # everything (about a minute)
    python benchmarks/bench_train.py --quick    # fewer repeats

1. Logging, per call, for a ResNet-style first layer (64x3x7x7) and a ViT patch embedding
   (768x3x16x16): fasttile.log into a torch SummaryWriter, against make_grid (torchvision's
   if installed, else the same steps in torch ops: per-tile min-max, padding 2, 8 per row)
   followed by SummaryWriter.add_image, which converts the float grid and PNG-encodes it.
   Both at zoom 1 (the same picture size), and fasttile at its default zoom too.
2. fasttile.animate of 100 checkpoints (.pt files) of a 64x3x7x7 layer into each format:
   frames per second of the whole pipeline (read, render, encode), and how much a fresh
   process's peak RSS grows while animating 25 and 100 checkpoints.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable

import numpy as np
import torch
from torch.utils.tensorboard import SummaryWriter

import fasttile
from fasttile.training.log import auto_zoom

LAYERS = {"64x3x7x7 (ResNet conv1)": (64, 3, 7, 7), "768x3x16x16 (ViT patch embed)": (768, 3, 16, 16)}


def make_grid(w: torch.Tensor, nrow: int = 8, padding: int = 2) -> torch.Tensor:
    """torchvision.utils.make_grid(w, nrow, padding, normalize=True, scale_each=True)."""
    try:
        from torchvision.utils import make_grid as tv_make_grid

        return tv_make_grid(w, nrow=nrow, padding=padding, normalize=True, scale_each=True)
    except ImportError:
        pass
    n, c, h, wd = w.shape
    flat = w.reshape(n, -1)
    lo, hi = flat.min(1, keepdim=True).values, flat.max(1, keepdim=True).values
    tiles = ((flat - lo) / (hi - lo).clamp_min(1e-5)).reshape(n, c, h, wd)
    ncol, nrows = min(nrow, n), -(-n // nrow)
    tiles = torch.cat([tiles, tiles.new_zeros(nrows * ncol - n, c, h, wd)])  # fill the last row
    cells = torch.nn.functional.pad(tiles, (padding, 0, padding, 0))  # each tile's top and left gap
    grid = cells.reshape(nrows, ncol, c, h + padding, wd + padding).permute(2, 0, 3, 1, 4)
    grid = grid.reshape(c, nrows * (h + padding), ncol * (wd + padding))
    return torch.nn.functional.pad(grid, (0, padding, 0, padding))  # the outer right and bottom edge


def per_call_ms(
    make_writer: Callable[[str], Any], log_once: Callable[[Any], object], repeat: int
) -> tuple[float, float]:
    """Medians of (the call alone, the call + writer.flush()). The writer is drained before
    each call, so the call is what a training step waits for; the flush adds the event
    writer thread's work: for torch's writer, TensorBoard's pure-Python CRC-32C of the record
    (~0.3 us a byte); tensorboardX uses the `crc32c` package's native one when installed."""
    calls, totals = [], []
    with tempfile.TemporaryDirectory() as logdir:
        writer = make_writer(logdir)
        log_once(writer)  # warm up
        writer.flush()
        for _ in range(repeat):
            start = time.perf_counter()
            log_once(writer)
            called = time.perf_counter()
            writer.flush()
            calls.append(called - start)
            totals.append(time.perf_counter() - start)
        writer.close()
    return 1000 * statistics.median(calls), 1000 * statistics.median(totals)


def writers() -> dict[str, Callable[[str], Any]]:
    found: dict[str, Callable[[str], Any]] = {"torch": SummaryWriter}
    try:
        import tensorboardX

        found["tensorboardX"] = tensorboardX.SummaryWriter
    except ImportError:
        pass
    return found


def bench_logging(repeat: int) -> None:
    print("logging one layer (medians, ms): the call a training step waits for / call + the writer's flush")
    columns = ("layer", "writer", "make_grid+add_image", "fasttile.log zoom 1", "ratio", "auto zoom")
    print("{:30} {:>12} {:>20} {:>20} {:>14} {:>20}".format(*columns))
    for name, shape in LAYERS.items():
        w = torch.randn(shape)
        for kind, make in writers().items():
            base = per_call_ms(make, lambda writer, w=w: writer.add_image("tb", make_grid(w), 0), repeat)
            ours = per_call_ms(make, lambda writer, w=w: fasttile.log(writer, {"w": w}, 0, zoom=1), repeat)
            auto = per_call_ms(make, lambda writer, w=w: fasttile.log(writer, {"w": w}, 0), repeat)
            pair = "{:8.2f} / {:7.2f}".format
            ratio = f"{base[0] / ours[0]:5.1f}x / {base[1] / ours[1]:4.1f}x"
            cells = f"{pair(*base):>20} {pair(*ours):>20} {ratio:>14} {pair(*auto):>20}"
            print(f"{name:30} {kind:>12} {cells} x{auto_zoom(w, {})}")


# torch, Pillow and imageio-ffmpeg are imported (and a first frame encoded) before the clock
# starts: the figures are the pipeline's, and the RSS growth is what animating adds.
CHILD = r"""
import resource, sys, time, torch, imageio_ffmpeg, fasttile
paths, out = sys.argv[2:], sys.argv[1]
fasttile.animate(paths[:1], out, key="conv1.weight")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
fasttile.animate(paths, out, key="conv1.weight")
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(len(paths) / seconds, peak, peak - before)
"""


def bench_animation(folder: str) -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((64, 3, 7, 7)).astype(np.float32)
    paths = []
    for i in range(100):  # a slowly drifting layer, like a training run
        w += 0.02 * rng.standard_normal(w.shape).astype(np.float32)
        paths.append(os.path.join(folder, f"ckpt_{i:03d}.pt"))
        torch.save({"conv1.weight": torch.from_numpy(w), "fc.weight": torch.zeros(10, 64)}, paths[-1])
    print(
        "\nanimate 64x3x7x7 checkpoints (normalize='fixed': every file read twice; default zoom 1, captions)"
    )
    header = ("format", "frames/s (100)", "peak RSS 25", "peak RSS 100", "growth 25", "growth 100", "KB")
    print("{:8} {:>15} {:>12} {:>12} {:>10} {:>10} {:>6}".format(*header))
    for ext in (".gif", ".png", ".webp", ".mp4"):
        out = os.path.join(folder, "evolution" + ext)
        runs = {}
        for n in (25, 100):
            done = subprocess.run(
                [sys.executable, "-c", CHILD, out, *paths[:n]], capture_output=True, text=True
            )
            if done.returncode:
                raise SystemExit(done.stderr)
            runs[n] = [float(v) for v in done.stdout.split()]
        size = os.path.getsize(out) / 1024
        peaks = f"{runs[25][1]:9.0f} MB {runs[100][1]:9.0f} MB {runs[25][2]:7.1f} MB {runs[100][2]:7.1f} MB"
        print(f"{ext:8} {runs[100][0]:15.0f} {peaks} {size:6.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    # small torch reductions are slowest with a thread pool on a busy machine: one thread is
    # make_grid's best case here
    torch.set_num_threads(1)
    bench_logging(repeat=5 if args.quick else 25)
    with tempfile.TemporaryDirectory() as folder:
        bench_animation(folder)


if __name__ == "__main__":
    main()
