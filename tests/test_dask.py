"""Chunked banks on dask's schedulers: the same bytes as the single-process render for
threads, processes and a real distributed.LocalCluster, whatever the chunking (chunks
cutting through tiles included), normalization, order or fill; a worker killed in the
middle of writing a chunk; errors that name what failed."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

import fasttile

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
zarr = pytest.importorskip("zarr")

from fasttile.chunked.zarr_read import ChunkReadError, open_bank  # noqa: E402
from fasttile.chunked.zarr_write import to_zarr  # noqa: E402

RNG = np.random.default_rng(12)
RGB_ROWS = RNG.standard_normal((203, 6 * 6 * 3), dtype=np.float32)  # rows layout, RGB 6x6 tiles
CONV = RNG.standard_normal((37, 5, 3, 4), dtype=np.float32)  # oihw, 5 channels: split into gray tiles
COLS = RNG.standard_normal((49, 150), dtype=np.float32)  # cols layout: 150 units of 7x7

# (bank, render options, dask chunkings): chunk boundaries cut through units and tiles
CASES = {
    "rows-odd-chunks": (RGB_ROWS, {}, [(37, 50), (203, 7), (5, 108)]),
    "cols": (COLS, {"layout": "cols"}, [(10, 33), (49, 3)]),
    "split-channels": (CONV, {"ncols": 7}, [(5, 2, 3, 4), (37, 5, 1, 1)]),
    "split-columns": (CONV, {"fill": "columns", "nrows": 11}, [(8, 3, 2, 4)]),
    "hwio": (CONV.transpose(2, 3, 1, 0).copy(), {"layout": "hwio", "channel": "mean"}, [(3, 2, 5, 10)]),
}
NORMALIZE = [
    {},
    {"normalize": "global"},
    {"normalize": "symmetric"},
    {"normalize": "global-symmetric"},
    {"value_range": (-1.0, 1.5)},
]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0", silence_logs=40
    )
    with distributed.Client(cluster) as c:
        c.run(lambda: __import__("fasttile.chunked.plan"))  # workers load the kernel once, up front
        yield c
    cluster.close()


def assert_same(bank, chunks, options, **chunked):
    expected = fasttile.render(bank, **options)
    got = fasttile.render(da.from_array(bank, chunks=chunks), **options, **chunked)
    assert got.shape == expected.shape
    assert got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("norm", range(len(NORMALIZE)))
def test_threads_equal_render(case, norm):
    bank, options, chunkings = CASES[case]
    for chunks in chunkings:
        assert_same(bank, chunks, {**options, **NORMALIZE[norm]}, scheduler="threads", rows=2)


@pytest.mark.parametrize(
    "options",
    [
        {"order": "norm"},
        {"order": "norm", "top": 50, "fill": "columns"},
        {"indices": [7, 3, 3, 150, 0], "order": "norm", "normalize": "global"},
        {"indices": slice(200, 10, -3), "zoom": 2, "padding": 3, "pad_value": (255, 0, 0)},
        {"nonfinite": "mark", "normalize": "global-symmetric", "nrows": 40, "ncols": 9},
        {"order": "variance", "dead": "hide"},
        {"order": "max_abs", "top": 30, "indices": [9, 2, 2, 40], "dead": ("only", 20.0)},
    ],
)
def test_orders_and_selections(options):
    bank = RGB_ROWS.copy()
    bank[[9, 12]] = 0.0  # dead units
    bank[40] *= 1e-3
    if options.get("nonfinite") == "mark":
        bank[5, 3] = np.nan
    assert_same(bank, (29, 40), options, rows=3)


def test_gray_cmap_and_dtypes():
    gray = RNG.integers(-100, 100, size=(90, 64), dtype=np.int16)
    assert_same(gray, (13, 64), {"cmap": "viridis", "normalize": "global"}, rows=1)
    assert_same(gray.astype(np.float16), (90, 5), {"normalize": "symmetric"})


def test_processes_equal_render():
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import dask

    bank, options, _ = CASES["split-channels"]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool, dask.config.set(pool=pool):
        options = {**options, "normalize": "global", "order": "norm"}
        assert_same(bank, (9, 5, 3, 4), options, scheduler="processes")


def test_local_cluster_equal_render(client, tmp_path):
    bank, options, _ = CASES["split-columns"]
    options = {**options, "normalize": "global-symmetric", "order": "norm"}
    assert_same(bank, (10, 5, 3, 4), options, rows=4)  # no scheduler named: the active Client runs it
    path = str(tmp_path / "bank.zarr")  # workers read the store themselves (chunks memory-mapped)
    zarr.create_array(path, data=RGB_ROWS, chunks=(45, 108), compressors=None)
    expected = fasttile.render(RGB_ROWS, normalize="global")
    assert fasttile.render(open_bank(path), normalize="global", rows=3).tobytes() == expected.tobytes()


def test_nonfinite_names_the_tiles_like_render():
    bank = RGB_ROWS.copy()
    bank[150, 7] = np.inf
    for options in ({}, {"normalize": "global"}):
        with pytest.raises(ValueError) as single:
            fasttile.render(bank, **options)
        with pytest.raises(ValueError) as chunked:
            fasttile.render(da.from_array(bank, chunks=(40, 108)), **options)
        assert str(chunked.value) == str(single.value)


def test_bad_options_fail_before_any_task():
    bank = da.from_array(RGB_ROWS, chunks=(50, 108))
    with pytest.raises(ValueError, match="normalize must be one of"):
        fasttile.render(bank, normalize="per-tile")
    with pytest.raises(ValueError, match="tile_shape"):
        fasttile.render(bank, tile_shape=(5, 5))
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        fasttile.render(bank, colour="red")
    with pytest.raises(ValueError, match="rows"):
        fasttile.render(bank, rows=0)


def test_failed_chunk_read_names_the_chunk(tmp_path):
    path = tmp_path / "bank.zarr"
    zarr.create_array(str(path), data=RGB_ROWS, chunks=(50, 108))
    chunk = path / "c" / "2" / "0"
    chunk.write_bytes(b"not a zstd frame" * 4)
    with pytest.raises(ChunkReadError, match=r"chunk \(2, 0\) \(elements \[100:150, 0:108\]\)") as err:
        fasttile.render(open_bank(str(path)))
    assert "bank.zarr" in str(err.value)


def _kill_mid_write(key_suffix: str, marker: str) -> None:
    """Installed on every worker: the first write of a chunk whose key ends with
    key_suffix writes half its bytes to zarr's temporary file, then SIGKILLs the worker."""
    import zarr.storage._local as local

    original = local._put

    def dying_put(path, value, exclusive=False):
        if str(path).endswith(key_suffix) and not os.path.exists(marker):
            open(marker, "w").close()
            os.makedirs(os.path.dirname(str(path)), exist_ok=True)
            data = bytes(value.as_buffer_like())
            with open(f"{path}.{'0' * 32}.partial", "wb") as f:
                f.write(data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        return original(path, value, exclusive)

    local._put = dying_put


def test_worker_killed_mid_write(client, tmp_path):
    bank = da.from_array(RGB_ROWS, chunks=(40, 108))
    out = tmp_path / "mosaic.zarr"
    marker = str(tmp_path / "killed")
    client.run(_kill_mid_write, "c/1/0/0", marker)
    info = to_zarr(bank, str(out), rows=3, normalize="global")
    assert os.path.exists(marker), "no worker was killed"
    assert info.bands_written == info.bands > 2
    assert info.temporaries_removed == 1  # the half-written file the killed worker left
    assert not [p for p in out.rglob("*") if p.name.endswith(".partial")]
    stored = zarr.open_array(str(out), mode="r")
    assert stored[:].tobytes() == fasttile.render(RGB_ROWS, normalize="global").tobytes()
    assert stored.nchunks_initialized == stored.nchunks


def test_strip_writers_stream_a_chunked_bank(tmp_path):
    """A ChunkedMosaic is a fasttile.Mosaic: save streams it band by band to PNG, TIFF
    and .npy, each read back by its own reader."""
    from PIL import Image

    from fasttile.chunked.dask_mosaic import chunked_mosaic

    options = {"normalize": "global", "order": "norm", "top": 150, "fill": "columns"}
    expected = fasttile.render(RGB_ROWS, **options)
    m = chunked_mosaic(da.from_array(RGB_ROWS, chunks=(41, 60)), scheduler="threads", **options)
    assert m.shape == expected.shape and np.asarray(m).tobytes() == expected.tobytes()
    assert m.render_region(3, 40, 17, 60).tobytes() == expected[3:40, 17:60].tobytes()
    readers = {".png": lambda p: np.asarray(Image.open(p)), ".npy": np.load}
    tifffile = pytest.importorskip("tifffile")
    readers[".tif"] = tifffile.imread
    for ext, read in readers.items():
        path = tmp_path / f"m{ext}"
        fasttile.save(m, path, rows=2)
        assert read(path).tobytes() == expected.tobytes(), ext


def test_in_memory_bank_on_a_scheduler_when_asked():
    torch = pytest.importorskip("torch")
    bank = torch.from_numpy(RGB_ROWS).to(torch.bfloat16)
    for options in ({}, {"normalize": "global", "order": "norm"}):
        expected = fasttile.render(bank, **options)
        assert fasttile.render(bank, scheduler="sync", rows=5, **options).tobytes() == expected.tobytes()
