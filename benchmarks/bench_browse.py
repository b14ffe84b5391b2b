"""Browsing benchmarks, one run each (the X bank is 3.1 GB: it is written once and read a
few times):

    python benchmarks/bench_browse.py            # X: 1,000,000 tiles of 28x28, memory-mapped
    python benchmarks/bench_browse.py --units 100000   # a tenth, a quick look

Prints: the pyramid's time against fasttile.save to PNG of the same mosaic (and the ratio),
each one's peak extra anonymous memory (RssAnon; the mapped bank's pages are page cache),
and the notebook widget's time to first screen (the tiles of a 1000 x 600 view at the
native zoom, as the widget opens) and the preview's time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import PeakMemory  # noqa: E402
from workloads import sae_bank  # noqa: E402

import fasttile  # noqa: E402
from fasttile.web.widget import RegionServer, preview_png  # noqa: E402


def timed(fn):
    with PeakMemory() as mem:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    return seconds, mem.peak_anon - mem.base_anon, result


def first_screen(bank: np.ndarray, width: int = 1000, height: int = 600) -> tuple[float, int]:
    """What the widget does before anything shows: make the Mosaic and the server, and
    render and encode every tile of the first view (top-left corner, native zoom)."""
    start = time.perf_counter()
    server = RegionServer(fasttile.mosaic(bank))
    server.manifest()
    z = server.max_zoom
    sent = sum(len(server.tile(z, x, y)) for x in range(-(-width // 256)) for y in range(-(-height // 256)))
    return time.perf_counter() - start, sent


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--units", type=int, default=1_000_000)
    p.add_argument("--tmp", default=None, help="folder for the bank (3.1 GB for X)")
    p.add_argument(
        "--out", default=None, help="folder for the outputs (~2 GB for X; /dev/shm keeps disk noise out)"
    )
    args = p.parse_args()
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp, tempfile.TemporaryDirectory(dir=args.out) as out:
        bank = sae_bank(os.path.join(tmp, "bank.npy"), args.units)
        fasttile.render(bank[:1000])  # load the kernel
        print(
            f"bank: {bank.shape} float32, {bank.nbytes / 1e9:.2f} GB memory-mapped; threads {os.cpu_count()}"
        )
        t_screen, sent = first_screen(bank)
        print(f"widget first screen: {t_screen * 1e3:.0f} ms ({sent / 1e3:.0f} kB of PNG tiles)")
        t_save, mem_save, info = timed(lambda: fasttile.save(bank, os.path.join(out, "all.png")))
        size = os.path.getsize(os.path.join(out, "all.png"))
        os.remove(os.path.join(out, "all.png"))
        print(
            f"save PNG:  {t_save:7.2f} s  +{mem_save / 1e6:5.0f} MB anon  {info.shape}  {size / 1e6:.0f} MB"
        )
        t_pyr, mem_pyr, pyr = timed(lambda: fasttile.pyramid(bank, os.path.join(out, "site")))
        print(
            f"pyramid:   {t_pyr:7.2f} s  +{mem_pyr / 1e6:5.0f} MB anon  zoom 0..{pyr.max_zoom}, "
            f"{pyr.tiles_written} tiles   pyramid / save = {t_pyr / t_save:.2f}x"
        )
        t_prev, mem_prev, data = timed(lambda: preview_png(bank))
        print(f"preview:   {t_prev:7.2f} s  +{mem_prev / 1e6:5.0f} MB anon  {len(data) / 1e6:.2f} MB PNG")
        print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
