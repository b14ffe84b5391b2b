"""Chunked banks on a cluster: to_zarr on a 2-worker distributed.LocalCluster against the
single-process save to .npy, on the X bank (1,000,000 tiles of 28x28 float32, 3.1 GB)
stored as zarr in 16 chunks (and as a memory-mapped .npy for the single process).

    python benchmarks/bench_dask.py                  # X: about 3 minutes here
    python benchmarks/bench_dask.py --tiles 200000   # a quick run
    python benchmarks/bench_dask.py --tiles 4000000 --chunks 64 --skip-single   # the 12.5 GB bank

Prints the medians of `--repeat` runs, the ratio, whether the outputs are byte-identical
and the peak RSS of each worker above its idle RSS. The banks are written under --dir and
deleted at the end (unless --keep).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time

import numpy as np

TILE = 28 * 28


def make_banks(
    folder: str, tiles: int, chunks: int, with_npy: bool, compressed: bool = False
) -> tuple[str, str]:
    """The same standard-normal bank as X.zarr (uncompressed, `chunks` chunks of whole
    rows) and X.npy, written chunk by chunk (a chunk in memory at a time)."""
    import zarr

    zpath, npath = os.path.join(folder, "X.zarr"), os.path.join(folder, "X.npy")
    per_chunk = -(-tiles // chunks)
    bank = zarr.create_array(
        zpath, shape=(tiles, TILE), chunks=(per_chunk, TILE), dtype="float32", compressors=None
    )
    mm = (
        np.lib.format.open_memmap(npath, mode="w+", dtype=np.float32, shape=(tiles, TILE))
        if with_npy
        else None
    )
    for k, a in enumerate(range(0, tiles, per_chunk)):
        b = min(tiles, a + per_chunk)
        block = np.random.default_rng(k).standard_normal((b - a, TILE), dtype=np.float32)
        bank[a:b] = block
        if mm is not None:
            mm[a:b] = block
    if mm is not None:
        mm.flush()
        del mm
    return zpath, npath


def worker_rss(reset: bool = False) -> dict:
    """This process's current and peak RSS in bytes (runs on each worker). The peak is
    VmHWM, which `reset` restarts from the current RSS (Linux clear_refs 5); ru_maxrss
    would also count the parent's pages at fork time."""
    if reset:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) * 1024
    return {"rss": fields["VmRSS"], "peak": fields["VmHWM"]}


def _write_options(args) -> dict:
    return {"compressors": None, "rows": args.rows, "pyramid": args.pyramid}


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def same_bytes(zarr_path: str, npy_path: str, step: int = 4096) -> bool:
    import zarr

    stored, single = zarr.open_array(zarr_path, mode="r"), np.load(npy_path, mmap_mode="r")
    if stored.shape != single.shape:
        return False
    return all(
        np.array_equal(stored[y : y + step], single[y : y + step]) for y in range(0, single.shape[0], step)
    )


def run_cluster(zpath: str, out: str, args) -> dict:
    import distributed

    import fasttile
    from fasttile.chunked.zarr_read import open_bank

    cluster = distributed.LocalCluster(
        n_workers=args.workers, processes=True, threads_per_worker=1, dashboard_address=":0", silence_logs=40
    )
    with distributed.Client(cluster) as client:
        client.run(lambda: __import__("fasttile.chunked.zarr_read"))
        idle = client.run(worker_rss, True)
        seconds, info = timed(
            lambda: fasttile.to_zarr(open_bank(zpath), out, overwrite=True, **_write_options(args)),
            args.repeat,
        )
        after = client.run(worker_rss)
    cluster.close()
    above = {w: (after[w]["peak"] - idle[w]["rss"]) / 2**20 for w in after}
    return {
        "seconds": seconds,
        "info": info,
        "idle_mb": {w: v["rss"] / 2**20 for w, v in idle.items()},
        "peak_mb": above,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tiles", type=int, default=1_000_000)
    parser.add_argument("--chunks", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows", type=int, help="grid rows per band (default: fasttile's)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default="/work/bench-issue12")
    parser.add_argument("--skip-single", action="store_true", help="no .npy bank, no single-process save")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--compressed", action="store_true", help="the zarr bank zstd-compressed (zarr's default)"
    )
    parser.add_argument("--pyramid", action="store_true", help="to_zarr writes the OME-Zarr pyramid too")
    args = parser.parse_args()

    import fasttile
    from fasttile.chunked.zarr_read import open_bank

    os.makedirs(args.dir, exist_ok=True)
    try:
        start = time.perf_counter()
        zpath, npath = make_banks(args.dir, args.tiles, args.chunks, not args.skip_single, args.compressed)
        gb = args.tiles * TILE * 4 / 1e9
        print(
            f"bank: {args.tiles} tiles of 28x28 float32 ({gb:.2f} GB), {args.chunks} zarr chunks, "
            f"written in {time.perf_counter() - start:.1f} s"
        )
        out_zarr, out_npy = os.path.join(args.dir, "mosaic.zarr"), os.path.join(args.dir, "mosaic.npy")
        cluster = run_cluster(zpath, out_zarr, args)
        info = cluster["info"]
        mb = info.shape[0] * info.shape[1] / 2**20
        band_mb = info.chunks[0] * info.chunks[1] / 2**20
        print(f"mosaic: {info.shape[1]} x {info.shape[0]} gray ({mb:.0f} MB), {info.bands} bands")
        print(f"  of {info.band_rows} grid rows ({band_mb:.1f} MB chunks)")
        workers = f"LocalCluster {args.workers} workers x 1 thread"
        print(f"to_zarr, {workers}: {cluster['seconds']:.2f} s (median of {args.repeat})")
        for worker, peak in cluster["peak_mb"].items():
            idle = cluster["idle_mb"][worker]
            print(f"  worker {worker}: idle RSS {idle:.0f} MB, peak above idle {peak:.0f} MB")
        chunk_mb = -(-args.tiles // args.chunks) * TILE * 4 / 2**20
        print(f"  budget: 2 input chunks + 2 output bands = {2 * chunk_mb + 2 * band_mb:.0f} MB")
        threads, _ = timed(
            lambda: fasttile.to_zarr(open_bank(zpath), out_zarr, overwrite=True, **_write_options(args)),
            args.repeat,
        )
        print(f"to_zarr, one process, dask threads: {threads:.2f} s")
        if not args.skip_single:
            bank = np.load(npath, mmap_mode="r")
            single, _ = timed(lambda: fasttile.save(bank, out_npy), args.repeat)
            print(f"save to .npy, one process ({fasttile.default_threads()} kernel threads): {single:.2f} s")
            print(f"ratio to_zarr / save: {cluster['seconds'] / single:.2f}")
            if not args.pyramid:
                print(f"byte-identical: {same_bytes(out_zarr, out_npy)}")
    finally:
        if not args.keep:
            shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
