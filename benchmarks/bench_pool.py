"""What waking the worker pool costs a render (issue 20), with workers that spin
between calls (the default) against workers that sleep at once (FASTTILE_SPIN_US=0).

    python benchmarks/bench_pool.py                  # M T H, 7 rounds
    python benchmarks/bench_pool.py --only M --rounds 11

Each round starts one child process per setting, in turn (the setting is read when
the pool starts), and each child times renders into out= on two threads and on one:
back to back ("warm": the Python between calls is all that separates them, as in a
loop over layers or frames, or the norms pass and the render of order="norm") and
after 2 ms of sleep ("cold": a worker that spun has gone to sleep by then). Printed:
medians over rounds of each child's median, and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SETTINGS = {"spin (default)": None, "sleep at once (FASTTILE_SPIN_US=0)": "0"}


def child(key: str, calls: int) -> dict:
    """Runs in the child: median microseconds of each way of calling."""
    sys.path.insert(0, HERE)
    from workloads import BY_KEY

    import fasttile

    w = BY_KEY[key]
    bank = w.make()
    kwargs = w.render_kwargs()
    out = fasttile.render(bank, **kwargs)

    def timed(threads: int, gap: float) -> float:
        times = []
        for _ in range(calls):
            if gap:
                time.sleep(gap)
            t0 = time.perf_counter()
            fasttile.render(bank, out=out, threads=threads, **kwargs)
            times.append(time.perf_counter() - t0)
        return statistics.median(times) * 1e6

    return {
        "warm 2 threads": timed(2, 0.0),
        "warm 1 thread": timed(1, 0.0),
        "cold 2 threads": timed(2, 0.002),
        "cold 1 thread": timed(1, 0.002),
    }


def run_child(key: str, calls: int, spin) -> dict:
    env = dict(os.environ)
    env.pop("FASTTILE_SPIN_US", None)
    if spin is not None:
        env["FASTTILE_SPIN_US"] = spin
    code = (
        f"import sys, json; sys.path.insert(0, {HERE!r}); import bench_pool; "
        f"print(json.dumps(bench_pool.child({key!r}, {calls})))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default="M,T,H")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    for key in args.only.split(","):
        runs: dict = {name: [] for name in SETTINGS}
        for _ in range(args.rounds):
            for name, spin in SETTINGS.items():
                runs[name].append(run_child(key, args.calls, spin))
        medians = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
        print(f"{key}: medians in us over {args.rounds} rounds (each the median of {args.calls} renders)")
        spin, sleep = (medians[name] for name in SETTINGS)
        for k in spin:
            ratio = sleep[k] / spin[k]
            print(f"  {k:15s}  spin {spin[k]:8.1f}   sleep at once {sleep[k]:8.1f}   ratio {ratio:5.2f}x")
        print(
            f"  two threads against one, warm: spin {spin['warm 1 thread'] / spin['warm 2 threads']:.2f}x, "
            f"sleep at once {sleep['warm 1 thread'] / sleep['warm 2 threads']:.2f}x"
        )


if __name__ == "__main__":
    main()
