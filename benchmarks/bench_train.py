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
from typing import Callable

import numpy as np
import torch
from torch.utils.tensorboard import SummaryWriter

import fasttile
from fasttile.log import auto_zoom

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


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def bench_logging(repeat: int) -> None:
    print("logging one layer per call (medians, ms)")
    print(
        f"{'layer':32} {'make_grid+add_image':>20} {'fasttile.log zoom 1':>20} {'ratio':>7} {'auto zoom':>14}"
    )
    with tempfile.TemporaryDirectory() as logdir:
        writer = SummaryWriter(logdir)
        for name, shape in LAYERS.items():
            w = torch.randn(shape)
            base = median_ms(lambda w=w: writer.add_image("tb", make_grid(w), 0), repeat)
            ours = median_ms(lambda w=w: fasttile.log(writer, {"w": w}, 0, zoom=1), repeat)
            auto = median_ms(lambda w=w: fasttile.log(writer, {"w": w}, 0), repeat)
            zoom = auto_zoom(w, {})
            print(f"{name:32} {base:20.2f} {ours:20.2f} {base / ours:6.1f}x {auto:9.2f} (x{zoom})")
        writer.close()


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
    bench_logging(repeat=5 if args.quick else 25)
    with tempfile.TemporaryDirectory() as folder:
        bench_animation(folder)


if __name__ == "__main__":
    main()
