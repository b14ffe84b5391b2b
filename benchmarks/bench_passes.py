"""The read-only passes alone (issue 20): the range scan behind normalize="global", the
squared norms behind order="norm" and the per-unit statistics, each against the time
to stream-read the same bank (its bytes, all threads) measured in the same run, and
the renders that use them against the per-tile render into out=.

Timings are minimums over interleaved repeats (each callable runs once per round), so
on a shared machine every callable sees the same moments; medians are printed too.

    python benchmarks/bench_passes.py                 # S M T H, C and L at 1/8
    python benchmarks/bench_passes.py --only C,L --scale 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import BY_KEY  # noqa: E402

import fasttile  # noqa: E402
from fasttile.kernel import _core  # noqa: E402
from fasttile.tiling.layout import resolve  # noqa: E402


def _view(bank: np.ndarray, layout: str):
    """The kernel's view of the bank, as render builds it."""
    v = resolve(bank, str(bank.dtype), layout=layout)
    return (v.data, v.dtype, v.offset, v.shape, v.strides, None), v.channel_mean


def race(fns: dict, rounds: int, budget: float) -> dict:
    times: dict = {k: [] for k in fns}
    start = time.perf_counter()
    for _ in range(rounds):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
        if time.perf_counter() - start > budget:
            break
    return {k: (min(v), statistics.median(v)) for k, v in times.items()}


def run(key: str, scale: float, rounds: int, threads: int) -> dict:
    w = BY_KEY[key]
    bank = w.make(scale=scale if w.large else 1.0)
    args, mean = _view(bank, w.layout)
    kwargs = w.render_kwargs()
    out = fasttile.render(bank, **kwargs)
    flat = np.ascontiguousarray(bank).view(np.uint8).reshape(-1)
    fns = {
        "read": lambda: _core.time_stream_read(flat, threads),
        "tile": lambda: fasttile.render(bank, out=out, **kwargs),
        "global": lambda: fasttile.render(bank, out=out, normalize="global", **kwargs),
        "norm": lambda: fasttile.render(bank, out=out, order="norm", **kwargs),
        "scan": lambda: _core.scan_range(*args, mean, threads),
        "norms": lambda: _core.unit_sq_norms(*args, threads),
        "stats": lambda: _core.unit_stats(*args, threads),
    }
    t = race(fns, rounds, 20.0 if w.large else 10.0)
    # time_stream_read reports its own (inner) seconds, which the wall clock includes
    t["read"] = (min(_core.time_stream_read(flat, threads) for _ in range(5)),) * 2
    return {"key": key, "bytes": bank.nbytes, **t}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default="S,M,T,H,C,L")
    p.add_argument("--scale", type=float, default=0.125, help="size of the large banks (C, L)")
    p.add_argument("--rounds", type=int, default=30)
    args = p.parse_args(argv)
    threads = fasttile.simd_info()["threads"]
    print(f"SIMD path {fasttile.simd_info()['path']}, {threads} threads; min (median) per call")
    head = f"{'':3}{'input':>8}{'read':>10}{'tile':>10}{'scan':>10}{'norms':>10}{'stats':>10}"
    head += f"{'scan%rd':>9}{'norms%rd':>9}{'global/t':>9}{'norm/t':>8}"
    print(head)
    for key in args.only.split(","):
        r = run(key, args.scale, args.rounds, threads)
        ms = lambda k, r=r: f"{r[k][0] * 1e3:9.2f}"  # noqa: E731
        pct = lambda k, r=r: f"{100 * r['read'][0] / r[k][0]:8.0f}%"  # noqa: E731
        print(
            f"{key:3}{r['bytes'] / 1e6:7.1f}M {ms('read')} {ms('tile')} {ms('scan')} "
            f"{ms('norms')} {ms('stats')}"
            f"{pct('scan')}{pct('norms')}{r['global'][0] / r['tile'][0]:8.2f}x"
            f"{r['norm'][0] / r['tile'][0]:7.2f}x"
            f"   medians: tile {r['tile'][1] * 1e3:.2f} global {r['global'][1] * 1e3:.2f} "
            f"norm {r['norm'][1] * 1e3:.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
