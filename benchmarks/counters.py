"""Where a render's time goes, in counts: instructions, and lines missed at each cache level.

    python benchmarks/counters.py                    # S M T H L C, per-tile ranges
    python benchmarks/counters.py --only S,M --order norm
    python benchmarks/counters.py --only C,L --normalize global
    python benchmarks/counters.py --only C,L --pages # instead: 4 KB pages against 2 MB pages
    FASTTILE_SIMD=avx2 python benchmarks/counters.py # on an AVX-512 CPU (valgrind has no AVX-512)

The benchmark machines are virtual machines whose perf counts no hardware event
("cycles <not supported>"), so this counts by simulation. Each workload is rendered
on one thread under valgrind's cachegrind twice: with the simulated last level sized
as this CPU's L2, then as its L3 (both read from /sys: cachegrind models two levels,
and its own reading of the L3 on these machines was a 256 MB direct-mapped cache). In
each case a process that renders n more times into out= (n at least 2, and enough to
read 20 M values) is counted against one that renders 0 more times; the difference
over n is one render.

Cachegrind models neither the prefetchers nor the TLB. Its misses are lines fetched,
not stalls: a miss the prefetcher hid costs bandwidth, not latency. Read per KB of
bank, a streaming read fetches 16 lines; the L3 column's floor is the bank's lines
plus the mosaic's (written lines are fetched first unless stored non-temporally,
which cachegrind treats as plain stores). For the TLB, --pages (no valgrind) renders
each bank from 4 KB pages and from 2 MB pages (numpy asks for transparent huge pages
on large allocations), in alternating order, and says how much of each bank the
kernel put on huge pages: page size matters only as far as TLB misses do. A bank of
a few MB fits the reach of a 2,048-entry L2 TLB even on 4 KB pages.
In a virtual machine the host's pages bound the TLB's reach too, so an equal time
rules out page walks inside the guest, not every TLB effect.

Needs valgrind (apt-get install valgrind); the banks are saved to TMPDIR for the
counted processes to load (805 MB for L and C). Instructions per value are the whole
cost per value read, Python's per-call checks included (a few thousand a call).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from compare import median_time  # noqa: E402
from workloads import BY_KEY, WORKLOADS  # noqa: E402

import fasttile  # noqa: E402

# Renders counted per workload: at least 2, and enough to read 20 M values, so that
# what differs between two Python processes (a few thousand instructions with hashing
# fixed) stays small against them.
VALUES_COUNTED = 20_000_000
_EVENTS = ("Ir", "D1mr", "D1mw", "DLmr", "DLmw")
_CACHES = "/sys/devices/system/cpu/cpu0/cache"
# The counted process loads the bank from a .npy, which keeps no bfloat16 (L16).
COUNTABLE = [w.key for w in WORKLOADS if w.dtype == "float32"]


def _read(directory: str, name: str) -> str:
    with open(os.path.join(directory, name)) as f:
        return f.read().strip()


def cache_level(level: int) -> tuple[int, int, int]:
    """(size, ways, line bytes) of this CPU's data cache at `level`, from /sys."""
    try:
        indexes = sorted(i for i in os.listdir(_CACHES) if i.startswith("index"))
    except OSError:
        raise SystemExit(
            f"counters.py reads the cache sizes from {_CACHES}, which this system lacks"
        ) from None
    for index in indexes:
        d = os.path.join(_CACHES, index)
        if int(_read(d, "level")) == level and _read(d, "type") in ("Data", "Unified"):
            size = int(_read(d, "size").rstrip("K")) * 1024
            return size, int(_read(d, "ways_of_associativity")), int(_read(d, "coherency_line_size"))
    raise SystemExit(f"no level-{level} data cache listed under {_CACHES}")


def cachegrind_spec(level: int) -> str:
    return ",".join(map(str, cache_level(level)))


def run_child(bank_path: str, key: str, options: dict, renders: int, last_level: str) -> dict:
    """cachegrind's totals for a process that loads the bank and renders 1 + `renders`
    times, on the SIMD path this process takes (valgrind runs no AVX-512)."""
    with tempfile.NamedTemporaryFile(suffix=".cg") as out:
        cmd = [
            "valgrind", "--tool=cachegrind", "--cache-sim=yes", f"--D1={cachegrind_spec(1)}",
            f"--LL={last_level}", f"--cachegrind-out-file={out.name}", sys.executable,
            os.path.abspath(__file__), "--child", bank_path, key, json.dumps(options), str(renders),
        ]  # fmt: skip
        # the same dict layouts in both processes, and no thread spinning for a time that
        # valgrind's slowness stretches: the kernel's idle workers, OpenBLAS's
        quiet = {"PYTHONHASHSEED": "0", "FASTTILE_SPIN_US": "0", "OPENBLAS_NUM_THREADS": "1"}
        env = dict(os.environ, **quiet)
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise SystemExit(f"{key}: the counted process failed:\n{done.stderr[-2000:]}")
        path = fasttile.simd_info()["path"]
        if done.stdout.strip() != path:
            raise SystemExit(
                f"under valgrind the kernel takes the {done.stdout.strip()} path, here {path}: "
                f"run with FASTTILE_SIMD={done.stdout.strip()} so the times and counts are of one path"
            )
        return _summary(out.name)


def _summary(path: str) -> dict:
    """The totals on a cachegrind file's summary line, by the names on its events line."""
    names: list = []
    with open(path) as f:
        for line in f:
            if line.startswith("events:"):
                names = line.split()[1:]
            elif line.startswith("summary:"):
                return dict(zip(names, map(int, line.split()[1:])))
    raise SystemExit(f"cachegrind wrote no summary to {path}")


def per_render(bank_path: str, key: str, options: dict, last_level: str, renders: int) -> dict:
    base = run_child(bank_path, key, options, 0, last_level)
    more = run_child(bank_path, key, options, renders, last_level)
    return {e: (more[e] - base[e]) / renders for e in _EVENTS}


def child(bank_path: str, key: str, options: str, renders: int) -> None:
    bank = np.load(bank_path)
    kw = dict(BY_KEY[key].render_kwargs(), threads=1, **json.loads(options))
    out = fasttile.render(bank, **kw)
    for _ in range(renders):
        fasttile.render(bank, out=out, **kw)
    print(fasttile.simd_info()["path"])


def timed_and_saved(key: str, options: dict, path: str) -> dict:
    """The bank saved to `path` for the counted processes, its sizes, and the median time
    of one-thread renders into out= here (the bank is freed on return)."""
    bank = BY_KEY[key].make()
    np.save(path, bank)
    kw = dict(BY_KEY[key].render_kwargs(), threads=1, **options)
    out = fasttile.render(bank, **kw)
    seconds = median_time(lambda: fasttile.render(bank, out=out, **kw), repeat=200, budget=1.0)[0]
    return {
        "key": key,
        "values": bank.size,
        "kb": bank.nbytes / 1024,
        "mosaic_kb": out.nbytes / 1024,
        "seconds": seconds,
    }


def count_workload(key: str, options: dict, workdir: str) -> dict:
    path = os.path.join(workdir, f"{key}.npy")
    row = timed_and_saved(key, options, path)
    renders = max(2, -(-VALUES_COUNTED // row["values"]))
    row["l2"] = per_render(path, key, options, cachegrind_spec(2), renders)
    row["l3"] = per_render(path, key, options, cachegrind_spec(3), renders)
    os.unlink(path)
    return row


def l1_misses(counts: dict) -> float:
    return counts["D1mr"] + counts["D1mw"]


def last_level_misses(counts: dict) -> float:
    return counts["DLmr"] + counts["DLmw"]


def format_row(r: dict) -> str:
    lines_per_kb = 1024 / cache_level(1)[2]
    floor = lines_per_kb * (r["kb"] + r["mosaic_kb"]) / r["kb"]
    return (
        f"{r['key']:<4}{r['seconds'] * 1e3:>10.2f} ms{r['l2']['Ir'] / r['values']:>10.1f}"
        f"{r['l2']['Ir'] / (r['seconds'] * 1e9):>9.2f}{_per_kb(l1_misses(r['l2']), r['kb'])}"
        f"{_per_kb(last_level_misses(r['l2']), r['kb'])}{_per_kb(last_level_misses(r['l3']), r['kb'])}"
        f"{floor:>9.1f}"
    )


def _per_kb(count: float, kb: float) -> str:
    per_kb = count / kb
    return f"{0.0 if abs(per_kb) < 0.05 else per_kb:>10.1f}"  # differencing noise, not "-0.0"


HEADER = (
    "workload  1 thread  instr/value instr/ns  L1 miss/KB  L2 miss/KB  L3 miss/KB  floor/KB\n"
    "instr: instructions per value read (one render into out=, one thread, all of it: checks,\n"
    "passes, drawing); instr/ns: instructions per nanosecond of the native render (cycles are\n"
    "not countable here); misses per KB of bank: lines fetched into L1 (reads and writes), and\n"
    "lines a cache the size of this CPU's L2, then L3, would fetch; floor: the bank's lines\n"
    "(16 per KB) plus the mosaic's, per KB of bank: the L3's least for a bank it cannot hold."
)


def _madvise_switch():
    """numpy's switch for asking transparent huge pages on allocations of 4 MB or more
    (private: numpy._core from numpy 2, numpy.core before); it returns the old setting."""
    try:
        from numpy._core import multiarray
    except ImportError:
        from numpy.core import multiarray
    switch = getattr(multiarray, "_set_madvise_hugepage", None)
    if switch is None:
        raise SystemExit("--pages needs numpy's _set_madvise_hugepage, which this numpy lacks")
    return switch


def _anon_huge_mb() -> float:
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            if line.startswith("AnonHugePages:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _bank_on_pages(w, huge: bool) -> tuple[np.ndarray, float]:
    """The workload's bank, allocated with huge pages asked for or not, and how many MB
    of it the kernel put on huge pages (THP "always" gives them unasked, "never" not at all)."""
    switch = _madvise_switch()
    before_setting, before_mb = switch(huge), _anon_huge_mb()
    try:
        bank = w.make()
    finally:
        switch(before_setting)
    return bank, _anon_huge_mb() - before_mb


def pages_experiment(key: str, options: dict, rounds: int = 7) -> str:
    """Renders (all threads) from a bank on 2 MB pages and from one on 4 KB pages, in
    alternating order."""
    w = BY_KEY[key]
    kw = dict(w.render_kwargs(), **options)
    banks = {huge: _bank_on_pages(w, huge) for huge in (True, False)}
    out = fasttile.render(banks[True][0], **kw)
    if not np.array_equal(out, fasttile.render(banks[False][0], **kw)):
        raise SystemExit(f"{key}: the two banks rendered differently")
    times: dict = {True: [], False: []}
    for r in range(rounds):
        for huge in (True, False) if r % 2 == 0 else (False, True):
            start = time.perf_counter()
            fasttile.render(banks[huge][0], out=out, **kw)
            times[huge].append(time.perf_counter() - start)
    med = {h: statistics.median(t) * 1e3 for h, t in times.items()}
    total = banks[True][0].nbytes / 2**20
    sizes = f"{banks[True][1]:.0f} and {banks[False][1]:.0f} of {total:.0f} MB on huge pages"
    return f"{key:<4}{med[True]:>10.2f} ms asking 2 MB pages{med[False]:>10.2f} ms on 4 KB ({sizes})"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default=",".join(COUNTABLE))
    p.add_argument("--order", default=None, help='e.g. "norm"')
    p.add_argument("--normalize", default=None, help='e.g. "global"')
    p.add_argument("--pages", action="store_true", help="instead: time 4 KB pages against 2 MB pages")
    args = p.parse_args()
    keys = [k for k in args.only.split(",") if k]
    unknown = [k for k in keys if k not in COUNTABLE]
    if unknown:
        raise SystemExit(f"workload {unknown} cannot be counted; choose from {COUNTABLE} (--only)")
    options = {k: v for k, v in (("order", args.order), ("normalize", args.normalize)) if v}
    path = fasttile.simd_info()["path"]
    print(f"fasttile {fasttile.__version__}, {path} path; options {options or 'per-tile'}")
    if args.pages:
        for key in keys:
            print(pages_experiment(key, options), flush=True)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("counters.py needs valgrind's cachegrind: apt-get install valgrind (or use --pages)")
    print(HEADER)
    with tempfile.TemporaryDirectory() as workdir:
        for key in keys:
            print(format_row(count_workload(key, options, workdir)), flush=True)


if __name__ == "__main__":
    main()
