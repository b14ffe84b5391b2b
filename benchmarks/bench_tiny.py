"""The cost of a tiny render end to end (issue 10, item 3), and where the time goes.

    python benchmarks/bench_tiny.py            # 4 gray 3x3 tiles, float32
    python benchmarks/bench_tiny.py --calls 5000 --repeat 15

Each figure is the median over `repeat` runs of the per-call mean of `calls` calls
(timeit), in microseconds. The breakdown times each step of the fast path alone, with
everything else prepared beforehand, so the steps add up to roughly the whole.
"""

from __future__ import annotations

import argparse
import statistics
import timeit
from unittest import mock

import numpy as np

import fasttile
from fasttile.kernel import _core
from fasttile.tiling import fast_path as _fast_path
from fasttile.tiling import render as _render


def median_us(fn, calls: int, repeat: int) -> float:
    runs = [timeit.timeit(fn, number=calls) / calls * 1e6 for _ in range(repeat)]
    return statistics.median(runs)


def end_to_end(w: np.ndarray, out: np.ndarray, calls: int, repeat: int) -> list[tuple[str, float]]:
    cases = [
        ("render(W)", lambda: fasttile.render(w)),
        ("render(W, out=out)", lambda: fasttile.render(w, out=out)),
        ("render(W, zoom=2)", lambda: fasttile.render(w, zoom=2)),
    ]
    try:
        import torch

        tensor = torch.from_numpy(w.copy())
        cases.append(("render(torch tensor)", lambda: fasttile.render(tensor)))
    except ImportError:
        pass
    rows = [(name, median_us(fn, calls, repeat)) for name, fn in cases]
    # the same calls without the fast path: what every render cost before it
    with mock.patch.object(_render, "render_fast", lambda weights, options: None):
        rows += [(f"full path: {name}", median_us(fn, calls, repeat)) for name, fn in cases]
    return rows


def breakdown(w: np.ndarray, out: np.ndarray, calls: int, repeat: int) -> list[tuple[str, float]]:
    key = (w.dtype, w.shape, w.strides, ())
    view_as, head, shape, out_strides, _mark, threads = _fast_path._plans[key]
    args = (w, *head, out, threads)
    steps = [
        ("cache key (dtype, shape, strides)", lambda: (w.dtype, w.shape, w.strides, ())),
        ("cache look-up (key + dict.get)", lambda: _fast_path._plans.get((w.dtype, w.shape, w.strides, ()))),
        ("np.empty(mosaic, uint8)", lambda: np.empty(shape, np.uint8)),
        ("out= checks", lambda: _fast_path._plain_out(out, shape, out_strides, w)),
        ("binding: _core.render(21 positional args)", lambda: _core.render(*args)),
        ("binding: _core.scan_range(8 args, a min/max pass)", lambda: _core.scan_range(*args[:6], False, 1)),
        ("binding: a call with no arguments (simd_path)", _core.simd_path),
        ("render_fast declining a non-array (call + type checks)", lambda: _fast_path.render_fast(None, {})),
    ]
    return [(name, median_us(fn, calls, repeat)) for name, fn in steps]


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    w = np.random.default_rng(0).random((4, 9), dtype=np.float32)  # 4 gray 3x3 tiles
    out = fasttile.render(w)  # also teaches the fast path this shape
    print(f"tiny render: weights {w.shape} {w.dtype}, mosaic {out.shape}; medians in µs per call")
    for name, us in end_to_end(w, out, args.calls, args.repeat):
        print(f"  {us:7.2f}  {name}")
    print("breakdown of the fast path (each step alone):")
    for name, us in breakdown(w, out, args.calls, args.repeat):
        print(f"  {us:7.2f}  {name}")


if __name__ == "__main__":
    main()
