"""Output at memory speed (issue 8): render alone vs save, side by side in one run.

    python benchmarks/bench_save.py            # L (805 MB bank), real banks
    python benchmarks/bench_save.py --x        # also X: 1,000,000 28x28 tiles, a 3.1 GB memory-mapped .npy

Medians over repeats. Peak memory is measured in a child process per write, as the
peak of RssAnon (anonymous memory: the memory-mapped input's pages do not count)
minus the same child's RssAnon just before the write.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

import fasttile
from fasttile.codecs import deflate as _deflate

sys.path.insert(0, os.path.dirname(__file__))
from workloads import BY_KEY  # noqa: E402


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


_WRITE_DATA: dict = {}


def write_fsync(path: str, size: int) -> None:
    """Write `size` bytes to a new file and fsync it: the disk's pace for a save of
    that size (the data is made once, outside the timing)."""
    data = _WRITE_DATA.get(size)
    if data is None:
        data = _WRITE_DATA[size] = np.random.default_rng(0).integers(0, 256, size, np.uint8)
    with open(path, "wb") as f:
        f.write(data.data)
        f.flush()
        os.fsync(f.fileno())
    os.remove(path)


def pillow_png(image: np.ndarray, level: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG", compress_level=level)
    return buf.getvalue()


def interleaved(fns: dict, repeat: int) -> dict:
    """Median seconds of each callable, run in turns (round-robin) so that every one
    sees the same moments of a shared machine."""
    times: dict = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    return {k: float(np.median(v)) for k, v in times.items()}


def bench_l(tmp: str, repeat: int) -> list[str]:
    bank = BY_KEY["L"].make()
    png, tif = os.path.join(tmp, "L.png"), os.path.join(tmp, "L.tif")
    fasttile.save(bank, png)
    fasttile.save(bank, tif)
    sizes = {"png": os.path.getsize(png), "tif": os.path.getsize(tif)}
    for size in sizes.values():
        write_fsync(os.path.join(tmp, "L.raw"), size)  # makes the data once
    t = interleaved(
        {
            "render": lambda: fasttile.render(bank),
            "png": lambda: fasttile.save(bank, png),
            "write png": lambda: write_fsync(os.path.join(tmp, "L.raw"), sizes["png"]),
            "tif": lambda: fasttile.save(bank, tif),
            "write tif": lambda: write_fsync(os.path.join(tmp, "L.raw"), sizes["tif"]),
        },
        repeat,
    )
    t_pillow = median_time(lambda: pillow_png(fasttile.render(bank), 1), 1)
    size_pillow = len(pillow_png(fasttile.render(bank), 1))
    lines = [
        f"L wide (805 MB bank, {fasttile.render(bank).nbytes / 1e6:.0f} MB mosaic), medians of {repeat} "
        "interleaved rounds:",
        f"  render alone            {t['render'] * 1e3:9.1f} ms",
    ]
    for ext in ("png", "tif"):
        lines += [
            f"  save .{ext} (default)     {t[ext] * 1e3:9.1f} ms   {sizes[ext] / 1e6:7.1f} MB   "
            f"{t[ext] / t['render']:.1f}x render",
            f"  write + fsync {sizes[ext] / 1e6:.1f} MB {t['write ' + ext] * 1e3:9.1f} ms   (the same bytes: "
            f"save .{ext} is {t[ext] / t['write ' + ext]:.2f}x)",
        ]
    lines.append(
        f"  render + Pillow level 1 {t_pillow * 1e3:9.1f} ms   {size_pillow / 1e6:7.1f} MB   "
        f"save .png is {t_pillow / t['png']:.1f}x faster, size {sizes['png'] / size_pillow:.3f} of Pillow's"
    )
    return lines


def bench_real(tmp: str, repeat: int) -> list[str]:
    from fasttile.demo import learn_filters

    bank = learn_filters()
    lines = ["Real weights: PNG size (bytes) and time"]
    for zoom in (1, 4):
        image = fasttile.render(bank, tile_shape=(8, 8, 3), zoom=zoom, pad_value=255)
        p9 = len(pillow_png(image, 9))
        p1 = len(pillow_png(image, 1))
        row = [f"  ICA 64x8x8x3 zoom {zoom}: Pillow-1 {p1}  Pillow-9 {p9}"]
        for level in ("fast", "small"):
            path = os.path.join(tmp, f"ica-{level}.png")
            t = median_time(
                lambda level=level, path=path, zoom=zoom: fasttile.save(
                    bank, path, level=level, tile_shape=(8, 8, 3), zoom=zoom, pad_value=255
                ),
                repeat,
            )
            size = os.path.getsize(path)
            row.append(f"{level} {size} ({size / p9:.3f} of Pillow-9, {t * 1e3:.1f} ms)")
        lines.append("  ".join(row))
    return lines


CHILD = textwrap.dedent(
    """
    import json, sys, threading, time
    import numpy as np, fasttile

    def anon():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024

    bank = np.load(sys.argv[1], mmap_mode="r")
    fasttile.mosaic(bank[:10]).render_rows(0, 1)  # load the kernel before the baseline
    base, peak, stop = anon(), [0], threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], anon())
            time.sleep(0.005)

    threading.Thread(target=sample, daemon=True).start()
    t = time.perf_counter()
    if sys.argv[2] == "--render-only":  # the read side alone: strips drawn, nothing written
        m = fasttile.mosaic(bank)
        written = sum(band.nbytes for _, band in m.strips())
    else:
        written = fasttile.save(bank, sys.argv[2]).bytes
    seconds = time.perf_counter() - t
    stop.set()
    print(json.dumps({"seconds": seconds, "peak_extra": max(peak[0], anon()) - base, "bytes": written}))
    """
)


def bench_x(tmp: str) -> list[str]:
    src = os.path.join(tmp, "x.npy")
    mm = np.lib.format.open_memmap(src, mode="w+", dtype=np.float32, shape=(1_000_000, 784))
    rng = np.random.default_rng(0)
    for start in range(0, len(mm), 100_000):
        mm[start : start + 100_000] = rng.standard_normal((100_000, 784), dtype=np.float32)
    mm.flush()
    del mm
    lines = [
        "X (1,000,000 28x28 tiles, 3.1 GB memory-mapped .npy, 841 MB mosaic): peak memory from one run "
        "in a fresh process, times as medians of 3 interleaved rounds with write + fsync of the same bytes:"
    ]
    bank = np.load(src, mmap_mode="r")
    for ext in ("render", "png", "tif", "npy"):
        out = "--render-only" if ext == "render" else os.path.join(tmp, f"x.{ext}")
        done = subprocess.run(
            [sys.executable, "-c", CHILD, src, out], capture_output=True, text=True, check=True
        )
        r = json.loads(done.stdout)
        name = "strips alone" if ext == "render" else "save ." + ext
        mb = r["peak_extra"] / 2**20
        line = f"  {name:12} peak extra anonymous memory {mb:6.1f} MB   {r['bytes'] / 1e6:7.1f} MB"
        if ext == "render":
            line += f"   {r['seconds']:.2f} s"
        else:
            t = interleaved(
                {
                    "save": lambda out=out: fasttile.save(bank, out),
                    "write": lambda n=r["bytes"]: write_fsync(os.path.join(tmp, "x.raw"), n),
                },
                3,
            )
            ratio = t["save"] / t["write"]
            line += f"   {t['save']:.2f} s   write + fsync {t['write']:.2f} s: save is {ratio:.2f}x"
            os.remove(out)
        lines.append(line)
        _WRITE_DATA.clear()
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--x", action="store_true", help="also the 3.1 GB memory-mapped X bank")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args(argv)
    print(f"fasttile {fasttile.__version__}, {fasttile.simd_info()}, deflate: {_deflate.FAST_NAME}")
    with tempfile.TemporaryDirectory(dir=os.environ.get("FASTTILE_BENCH_DIR")) as tmp:
        for section in (bench_l, bench_real) + ((lambda t, r: bench_x(t),) if args.x else ()):
            print("\n".join(section(tmp, args.repeat)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
