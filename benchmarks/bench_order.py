"""The display order of order="norm" for many units (an SAE dictionary of 1,000,000
latents, 5% of them dead: tied at 0): fasttile's descending_order against NumPy's
stable argsort, which it must equal, interleaved in one run; medians.

    python benchmarks/bench_order.py
    python benchmarks/bench_order.py --units 1024 --repeat 200
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from fasttile.tiling.selection import descending_order


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--dead", type=float, default=0.05, help="fraction of keys tied at 0")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    key = rng.random(args.units) * 10
    key[rng.random(args.units) < args.dead] = 0.0
    fns = {
        "np.argsort(-key, kind='stable')": lambda: np.argsort(-key, kind="stable"),
        "descending_order": lambda: descending_order(key),
    }
    assert np.array_equal(fns["descending_order"](), fns["np.argsort(-key, kind='stable')"]())
    times: dict = {k: [] for k in fns}
    for _ in range(args.repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    stable, ours = (statistics.median(times[k]) * 1e3 for k in fns)
    print(f"{args.units} keys, {args.dead:.0%} tied at 0; medians of {args.repeat}")
    print(f"  stable argsort    {stable:9.3f} ms")
    print(f"  descending_order  {ours:9.3f} ms   ({stable / ours:.2f}x faster)")


if __name__ == "__main__":
    main()
