"""fasttile against the best NumPy, the NumPy backend, torchvision and scikit-image, in one run.

    python benchmarks/compare.py              # S M T H L L16 C
    python benchmarks/compare.py --quick      # large workloads at 1/8 size
    python benchmarks/compare.py --only S,T   # some of them
    python benchmarks/compare.py --sae        # also X: 1,000,000 x 784 from a memory-mapped .npy (3.1 GB)

Prints per workload the median time of each tool, the ratios, fasttile's peak extra
memory, the cost of normalize="global" and order="norm" relative to per-tile, and the
fraction of this machine's memory bound the render reaches: the bound is the input
bytes at the streaming read rate plus the output bytes at the streaming write rate,
both rates measured with all threads on buffers far larger than the caches, in the
same run. "best np" is benchmarks/best_numpy.py, a cache-blocked vectorized NumPy
render as an expert writes it; its bytes must equal fasttile's. Other
tools' pictures are checked against fasttile's (at most one gray level apart on at
most 0.1% of pixels); a mismatch is printed, never hidden.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import threading
import time
from typing import Callable, Optional

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import best_numpy  # noqa: E402
from workloads import (  # noqa: E402
    BY_KEY,
    WORKLOADS,
    Workload,
    close_enough,
    sae_bank,
    skimage_render,
    torchvision_render,
)

import fasttile  # noqa: E402


def median_time(fn: Callable[[], object], repeat: int, budget: float) -> tuple[float, int]:
    """Median wall time of `repeat` calls (fewer when one call exceeds budget / repeat)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if sum(times) > budget:
            break
    return statistics.median(times), len(times)


def race(fns: dict, repeat: int, budget: float) -> dict:
    """Median wall time of each callable, run in turn within every repeat, so that on a
    shared, noisy machine each sees the same conditions and their ratios hold."""
    times: dict = {name: [] for name in fns}
    spent = 0.0
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
            spent += times[name][-1]
        if spent > budget:
            break
    return {name: statistics.median(t) for name, t in times.items()}


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


class PeakMemory:
    """Peak resident memory above the level at entry: VmHWM reset through
    /proc/self/clear_refs, and a sampled peak of anonymous memory (a memory-mapped
    input's pages are file-backed, reclaimable, and counted apart)."""

    def __enter__(self):
        gc.collect()
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self.hwm_ok = True
        except OSError:
            self.hwm_ok = False
        self.base_rss = _status("VmRSS")
        self.base_anon = _status("RssAnon")
        self.peak_anon = self.base_anon
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak_anon = max(self.peak_anon, _status("RssAnon"))
            self._stop.wait(0.002)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_anon = max(self.peak_anon, _status("RssAnon"))
        self.extra = (_status("VmHWM") - self.base_rss) if self.hwm_ok else None
        self.extra_anon = self.peak_anon - self.base_anon


class Rates:
    """This machine's streaming read and write rates (bytes/s, all threads), measured on
    buffers far larger than the caches, at the start of the run and again per workload
    (the best of all measurements counts, so a busy moment does not inflate % of bound)."""

    def __init__(self, threads: int, size: int = 256 << 20):
        self.threads = threads
        self.buffer = np.ones(size, dtype=np.uint8)
        self.read = self.write = 0.0
        self.measure()

    def measure(self) -> None:
        from fasttile.kernel import _core

        n = self.buffer.nbytes
        self.read = max(
            self.read, n / min(_core.time_stream_read(self.buffer, self.threads) for _ in range(3))
        )
        self.write = max(
            self.write, n / min(_core.time_stream_write(self.buffer, self.threads) for _ in range(3))
        )

    def bound(self, in_bytes: int, out_bytes: int) -> float:
        """Seconds to stream the input in and the mosaic out at these rates."""
        return in_bytes / self.read + out_bytes / self.write


def fmt_time(t: Optional[float]) -> str:
    if t is None:
        return "-"
    return f"{t * 1e3:.2f} ms" if t < 10 else f"{t:.1f} s"


def fmt_ratio(a: Optional[float], b: Optional[float]) -> str:
    return f"{a / b:.1f}x" if a and b else "-"


def have(module: str) -> bool:
    try:
        __import__(module)
        return True
    except Exception:
        return False


def run_workload(w: Workload, scale: float, args, rates: Rates, rows: list, notes: list) -> None:
    bank = w.make(scale=scale if w.large else 1.0)
    kwargs = w.render_kwargs()
    small = not w.large
    # small renders take a millisecond: many repeats make their medians steady on a busy machine
    repeat = 5 * args.repeat if small else max(3, args.repeat // 2)
    budget = 30.0 if small else 60.0

    ours = fasttile.render(bank, **kwargs)
    with PeakMemory() as mem:
        fasttile.render(bank, **kwargs)
    reference = fasttile.render(bank, backend="numpy", **kwargs)
    if not np.array_equal(reference, ours):
        notes.append(f"{w.key}: NumPy backend and kernel DIFFER")
    t_np, n_np = median_time(
        lambda: fasttile.render(bank, backend="numpy", **kwargs), 3 if small else 1, budget
    )

    t_tv = t_sk = None
    if have("torchvision") and not args.no_others:
        ok, how = close_enough(ours, torchvision_render(w, bank))
        notes.append(f"{w.key}: torchvision {'matches' if ok else 'DIFFERS'} ({how})")
        t_tv, _ = median_time(lambda: torchvision_render(w, bank), 3 if small else 1, budget)
    if have("skimage") and not args.no_others and (small or args.skimage_large):
        ok, how = close_enough(ours, skimage_render(w, bank))
        notes.append(f"{w.key}: scikit-image {'matches' if ok else 'DIFFERS'} ({how})")
        t_sk, _ = median_time(lambda: skimage_render(w, bank), 3 if small else 1, budget)

    # Into a preallocated output: the kernel's own speed, without the OS zeroing
    # fresh pages for a new mosaic. The bandwidth bound and best NumPy compare with this.
    best = best_numpy_renderer(w, bank, ours, notes)
    one = np.empty_like(ours)
    fns = {
        "all": lambda: fasttile.render(bank, **kwargs),
        "into": lambda: fasttile.render(bank, out=ours, **kwargs),
        "one": lambda: fasttile.render(bank, out=one, threads=1, **kwargs),
        "global": lambda: fasttile.render(bank, out=one, normalize="global", **kwargs),
        "norm": lambda: fasttile.render(bank, out=one, order="norm", **kwargs),
    }
    if best is not None:
        fns["best"] = best
    t = race(fns, repeat, budget)
    rates.measure()
    bound = rates.bound(bank.nbytes, ours.nbytes)
    rows.append(
        {
            "key": w.key,
            "name": w.name,
            "in": bank.nbytes,
            "out": ours.nbytes,
            "all": t["all"],
            "one": t["one"],
            "into": t["into"],
            "numpy": t_np,
            "best": t.get("best"),
            "global": t["global"],
            "norm": t["norm"],
            "tv": t_tv,
            "sk": t_sk,
            "mem": mem.extra,
            "bw": bound / t["into"] if bound else None,
        }
    )


def best_numpy_renderer(w: Workload, bank: np.ndarray, ours: np.ndarray, notes: list):
    """The expert NumPy render into a preallocated mosaic (float32 banks only), after
    checking its bytes equal fasttile's; None for other banks."""
    if bank.dtype != np.float32:
        return None
    out = np.empty_like(ours)
    best_numpy.render(w.layout, bank, out)
    if not np.array_equal(out, ours):
        notes.append(f"{w.key}: best NumPy and kernel DIFFER")
    return lambda: best_numpy.render(w.layout, bank, out)


def tiny_render_time() -> tuple[float, float]:
    """Median end-to-end time of rendering a tiny bank (4 tiles of 3x3), fresh output and into out=."""
    bank = np.random.default_rng(0).standard_normal((4, 9)).astype(np.float32)
    out = fasttile.render(bank)
    for _ in range(200):
        fasttile.render(bank, out=out)
    fresh, _ = median_time(lambda: fasttile.render(bank), 2001, 10.0)
    into, _ = median_time(lambda: fasttile.render(bank, out=out), 2001, 10.0)
    return fresh, into


def run_sae(args, rates: Rates, rows: list, notes: list) -> None:
    """X: a 1,000,000 x 784 float32 bank (3.1 GB) rendered from a memory-mapped .npy."""
    n = int(1_000_000 * (args.scale if args.quick else 1))
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        bank = sae_bank(os.path.join(tmp, "sae.npy"), n)
        fasttile.render(bank[:1000])  # warm up the module
        with PeakMemory() as mem:
            start = time.perf_counter()
            out = fasttile.render(bank)
            t_all = time.perf_counter() - start
        t_one, _ = median_time(lambda: fasttile.render(bank, threads=1, out=out), 1, 600)
        t_out, _ = median_time(lambda: fasttile.render(bank, out=out), 1, 600)
        t_np = None
        if args.sae_numpy:
            t_np, _ = median_time(lambda: fasttile.render(bank, backend="numpy"), 1, 600)
        notes.append(
            f"X: input {bank.nbytes / 1e9:.2f} GB memory-mapped; output {out.nbytes / 1e6:.0f} MB; "
            f"peak anonymous memory +{mem.extra_anon / 1e6:.0f} MB "
            "(the mapped file's pages are page cache, reclaimable)"
        )
        rates.measure()
        bound = rates.bound(bank.nbytes, out.nbytes)
        rows.append(
            {
                "key": "X",
                "name": "sae",
                "in": bank.nbytes,
                "out": out.nbytes,
                "all": t_all,
                "one": t_one,
                "into": t_out,
                "numpy": t_np,
                "best": None,
                "global": None,
                "norm": None,
                "tv": None,
                "sk": None,
                "mem": mem.extra_anon,
                "bw": bound / t_out if bound else None,
            }
        )


COLUMNS = (  # (title, width, cell) per column of the table
    ("workload", 15, lambda r: f"{r['key']} {r['name']}"),
    ("input", 8, lambda r: f"{r['in'] / 1e6:.0f}M"),
    ("fasttile", 10, lambda r: fmt_time(r["all"])),
    ("into out=", 10, lambda r: fmt_time(r["into"])),
    ("1 thread", 10, lambda r: fmt_time(r["one"])),
    ("best np", 11, lambda r: fmt_time(r["best"])),
    ("best/ft", 8, lambda r: fmt_ratio(r["best"], r["into"])),
    ("%bound", 7, lambda r: f"{100 * r['bw']:.0f}%" if r["bw"] else "-"),
    ("global", 7, lambda r: fmt_ratio(r["global"], r["into"])),
    ("norm", 7, lambda r: fmt_ratio(r["norm"], r["into"])),
    ("ref/1thr", 9, lambda r: fmt_ratio(r["numpy"], r["one"])),
    ("tv/ft", 7, lambda r: fmt_ratio(r["tv"], r["all"])),
    ("sk/ft", 9, lambda r: fmt_ratio(r["sk"], r["all"])),
    ("peak+MB", 8, lambda r: f"{r['mem'] / 1e6:.0f}" if r["mem"] is not None else "-"),
)

LEGEND = """medians. fasttile: all threads, a fresh output each call; into out=: all threads into a
preallocated output (no page zeroing by the OS); 1 thread: into out=; best np: the
cache-blocked NumPy render an expert writes (benchmarks/best_numpy.py), into out=, bytes checked
equal; best/ft = best np / into out=; %bound = (input bytes at the streaming read rate + output
bytes at the streaming write rate, both measured in this run on 256 MB buffers) / into out=;
global, norm: normalize="global" and order="norm" into out= as a multiple of the per-tile
render into out=; ref/1thr = the NumPy reference backend / fasttile on one thread; tv/ft,
sk/ft: torchvision / scikit-image against fasttile on all threads; peak+MB = peak resident
memory above the start of a render."""


def print_table(rows: list) -> None:
    header = "".join(
        f"{title:>{width}}" if i else f"{title:<{width}}" for i, (title, width, _) in enumerate(COLUMNS)
    )
    print()
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            "".join(
                f"{cell(r):>{width}}" if i else f"{cell(r):<{width}}"
                for i, (_, width, cell) in enumerate(COLUMNS)
            )
        )
    print()
    print(LEGEND)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", help="comma-separated workload keys (S,M,T,L,L16,C,H)")
    p.add_argument(
        "--quick", action="store_true", help="large workloads at --scale of their size, 5 repeats, no X"
    )
    p.add_argument("--scale", type=float, default=0.125)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--sae", action="store_true", help="also the 3.1 GB memory-mapped X workload")
    p.add_argument("--sae-numpy", action="store_true", help="time the NumPy backend on X too (slow)")
    p.add_argument(
        "--skimage-large", action="store_true", help="time scikit-image on the large workloads too"
    )
    p.add_argument("--no-others", action="store_true", help="skip torchvision and scikit-image")
    p.add_argument("--tmp", default=None, help="directory for X's temporary .npy")
    args = p.parse_args(argv)
    if args.quick:
        args.repeat = min(args.repeat, 5)

    info = fasttile.simd_info()
    threads = info["threads"]
    print(
        f"fasttile {fasttile.__version__}: {info['backend']} kernel, SIMD path {info['path']} "
        f"(supported: {', '.join(info['supported'])}), {threads} threads; numpy {np.__version__}"
    )
    print(
        f"torchvision: {'yes' if have('torchvision') else 'not installed'}; "
        f"scikit-image: {'yes' if have('skimage') else 'not installed'}"
    )
    rates = Rates(threads)
    keys = args.only.split(",") if args.only else [w.key for w in WORKLOADS]
    rows: list = []
    notes: list = []
    for key in keys:
        if key == "X":
            continue
        w = BY_KEY[key]
        print(f"  running {key} ({w.name}) ...", file=sys.stderr, flush=True)
        run_workload(w, args.scale if args.quick else 1.0, args, rates, rows, notes)
    tiny = tiny_render_time()
    notes.append(
        f"tiny render (4 tiles of 3x3, end to end): {tiny[0] * 1e6:.1f} us, into out= {tiny[1] * 1e6:.1f} us"
    )
    if args.sae or "X" in keys:
        print("  running X (sae, memory-mapped) ...", file=sys.stderr, flush=True)
        run_sae(args, rates, rows, notes)

    print_table(rows)
    print(
        f"stream rates (all threads, best seen): read {rates.read / 1e9:.1f} GB/s, "
        f"write {rates.write / 1e9:.1f} GB/s"
    )
    for n in notes:
        print("  " + n)
    return 1 if any("DIFFER" in n for n in notes) else 0


if __name__ == "__main__":
    sys.exit(main())
