"""The long fuzz run: render() against the NumPy oracle over the whole argument
space, in batches of hypothesis examples, until a time budget is spent.

    python tools/fuzz.py --minutes 30            # prints cases run and outcomes
    FASTTILE_SIMD=sse2 python tools/fuzz.py      # on a narrower SIMD path

Every case must end in the same clean ValueError / TypeError / IndexError from
both backends, or in byte-identical mosaics. A finding prints the falsifying
example (hypothesis shrinks it first) and exits 1; keep it as a test in
tests/test_fuzz.py. Batches rotate through the SIMD paths; cases draw thread counts.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from banks import fuzz_cases  # noqa: E402
from conftest import render_both  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402

import fasttile  # noqa: E402
from fasttile.kernel import _core  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--batch", type=int, default=2000, help="hypothesis examples per batch")
    args = p.parse_args()

    outcomes: collections.Counter = collections.Counter()
    paths = fasttile.simd_info()["supported"]

    @settings(
        max_examples=args.batch,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=fuzz_cases())
    def one_case(case):
        arr, kwargs = case
        native, reference = render_both(arr, **kwargs)
        if isinstance(native, Exception) or isinstance(reference, Exception):
            assert type(native) is type(reference), f"native {native!r} vs numpy {reference!r}"
            assert str(native) == str(reference), f"native {native!r} vs numpy {reference!r}"
            outcomes[type(native).__name__] += 1
        else:
            assert native.shape == reference.shape and np.array_equal(native, reference), "mosaics differ"
            outcomes["identical"] += 1

    start = time.monotonic()
    batch = 0
    while time.monotonic() - start < args.minutes * 60:
        path = paths[batch % len(paths)]
        _core.select_simd(path)
        try:
            one_case()
        except Exception as exc:  # hypothesis re-raises the shrunk failure
            print(f"FINDING on path {path} after {sum(outcomes.values())} cases: {exc!r}", flush=True)
            return 1
        batch += 1
        elapsed = (time.monotonic() - start) / 60
        print(
            f"{elapsed:6.1f} min  {sum(outcomes.values()):8d} cases  last path {path:7}  "
            + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()),
            flush=True,
        )
    print(f"done: {sum(outcomes.values())} cases in {args.minutes} minutes, no finding")
    return 0


if __name__ == "__main__":
    sys.exit(main())
