"""Lazy loading: how long listing a weight file and mapping one tensor take, and the
peak memory of `fasttile ls` + `fasttile render --key` in a fresh process, against
reading the whole file the way the 0.1 loaders did (safe_open + get_tensor for all).

    python benchmarks/bench_loaders.py [--mb 470]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import fasttile

PEAK = """
import sys
from fasttile.cli import app as cli
cli.main(sys.argv[1:])
with open("/proc/self/status") as f:
    print([int(line.split()[1]) // 1024 for line in f if line.startswith("VmHWM:")][0])
"""
OLD = """
import sys
from safetensors import safe_open
with safe_open(sys.argv[1], framework="numpy") as f:
    tensors = {k: f.get_tensor(k) for k in f.keys()}
with open("/proc/self/status") as f:
    print([int(line.split()[1]) // 1024 for line in f if line.startswith("VmHWM:")][0])
"""


def median_ms(fn, repeat: int = 9) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def peak_mb(script: str, *args: str) -> int:
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=470, help="size of the weight file")
    mb = parser.parse_args().mb
    from safetensors.numpy import save_file

    rng = np.random.default_rng(0)
    layers = max(1, mb // 28)
    tensors = {f"layer{i}.weight": rng.standard_normal((1024, 7168), np.float32) for i in range(layers)}
    tensors["conv1.weight"] = rng.standard_normal((64, 3, 7, 7), np.float32)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.safetensors")
        save_file(tensors, path)
        size = os.path.getsize(path) / 1e6
        print(f"{size:.0f} MB safetensors, {len(tensors)} tensors")
        print(f"  fasttile.keys           {median_ms(lambda: fasttile.keys(path)):8.2f} ms")
        print(f"  fasttile.load one       {median_ms(lambda: fasttile.load(path, 'conv1.weight')):8.2f} ms")
        ls_mb = peak_mb(PEAK, "ls", path)
        png = os.path.join(folder, "c.png")
        render_mb = peak_mb(PEAK, "render", path, "--key", "conv1.weight", "-o", png, "-q")
        print(f"  peak RSS: fasttile ls {ls_mb} MB, fasttile render --key {render_mb} MB")
        print(f"  peak RSS reading every tensor (safe_open + get_tensor): {peak_mb(OLD, path)} MB")


if __name__ == "__main__":
    main()
