"""Reliability: concurrent renders, a shared output, a flat resident set over
thousands of renders (and of failing ones), and hostile sizes refused cleanly."""

import gc
import os
import threading

import numpy as np
import pytest

import fasttile

rng = np.random.default_rng(33)


# Under AddressSanitizer freed memory sits in a quarantine, so the resident set grows
# by design; that run checks leaks with LeakSanitizer instead (tools/sanitize.sh).
UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")
skip_under_asan = pytest.mark.skipif(UNDER_ASAN, reason="ASan quarantine; LeakSanitizer checks leaks here")


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def test_many_python_threads_render_different_banks():
    banks = [rng.standard_normal((200 + 37 * i, 48)).astype(np.float32) for i in range(8)]
    banks[3][5, 5] = np.nan
    expected = [fasttile.render(b, backend="numpy", nonfinite="mark") for b in banks]
    errors = []

    def work(i):
        try:
            for _ in range(15):
                got = fasttile.render(banks[i], nonfinite="mark", threads=2)
                if not np.array_equal(got, expected[i]):
                    errors.append(f"bank {i} differs")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_renders_into_distinct_slices_of_one_output():
    banks = [rng.standard_normal((64, 27)).astype(np.float32) * (i + 1) for i in range(4)]
    h, w, _ = fasttile.render(banks[0]).shape
    canvas = np.zeros((h, 4 * w, 3), np.uint8)

    def work(i):
        for _ in range(20):
            fasttile.render(banks[i], out=canvas[:, i * w : (i + 1) * w], threads=2)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, b in enumerate(banks):
        assert np.array_equal(canvas[:, i * w : (i + 1) * w], fasttile.render(b, backend="numpy"))


def test_gil_is_released_during_a_render():
    big = rng.standard_normal((20000, 3072)).astype(np.float32)
    done = threading.Event()
    ticks = 0

    def render():
        fasttile.render(big, threads=1)
        done.set()

    t = threading.Thread(target=render)
    t.start()
    while not done.is_set():
        ticks += 1
    t.join()
    # With the GIL held for the whole render this loop could not run at all.
    assert ticks > 1000


@skip_under_asan
def test_resident_set_stays_flat_over_thousands_of_renders():
    w = rng.standard_normal((64, 75)).astype(np.float32)
    for _ in range(200):
        fasttile.render(w)
    gc.collect()
    before = rss_bytes()
    for _ in range(3000):
        fasttile.render(w, threads=2)
    gc.collect()
    assert rss_bytes() - before < 8 * 2**20


@skip_under_asan
def test_failing_renders_leak_nothing():
    w = rng.standard_normal((64, 75)).astype(np.float32)
    w[7, 7] = np.nan
    wrong_out = np.zeros((3, 3), np.uint8)
    for _ in range(100):
        with pytest.raises(ValueError):
            fasttile.render(w)
    gc.collect()
    before = rss_bytes()
    for _ in range(2000):
        with pytest.raises(ValueError):
            fasttile.render(w)  # raises after the kernel ran
        with pytest.raises(ValueError):
            fasttile.render(w, nonfinite="mark", out=wrong_out)
        with pytest.raises(ValueError):
            fasttile.render(w, normalize="global")  # raises after the range scan
    gc.collect()
    assert rss_bytes() - before < 8 * 2**20


def zero_stride(shape, dtype=np.float32):
    """A huge bank that costs no memory: every element is the same one."""
    return np.lib.stride_tricks.as_strided(np.zeros(1, dtype), shape=shape, strides=(0,) * len(shape))


@pytest.mark.parametrize("backend", ["native", "numpy"])
@pytest.mark.parametrize(
    "shape, kwargs, message",
    [
        ((2**31, 2**31), {"tile_shape": (2**16, 2**15)}, "cannot allocate"),  # 2**62 uint8 values
        ((2**31, 2**31), {"tile_shape": (2**16, 2**15), "zoom": 2**20}, "overflows 64-bit"),
        ((4, 16), {"padding": 2**62}, "overflows 64-bit"),
        ((4, 16), {"zoom": 2**31, "padding": 2**31}, "overflows 64-bit|cannot allocate"),
        ((4, 16), {"nrows": 2**62, "ncols": 2**62}, "overflows 64-bit"),
        ((2**40, 4), {}, "cannot allocate"),  # a trillion tiles
        ((2**33, 1), {"tile_shape": (1, 1)}, "cannot allocate"),  # tile counts past 32 bits
    ],
)
def test_hostile_sizes_are_refused_before_allocation(backend, shape, kwargs, message):
    before = rss_bytes() if not UNDER_ASAN else 0
    with pytest.raises(ValueError, match=message):
        fasttile.render(zero_stride(shape, np.uint8), backend=backend, **kwargs)
    if not UNDER_ASAN:
        assert rss_bytes() - before < 64 * 2**20  # refused, not half-allocated


def test_mosaic_larger_than_4_gib_uses_64_bit_offsets():
    # one 1x1 tile zoomed to 65600 x 65600 pixels: 4.3e9 bytes, offsets past 2**32
    w = np.array([[0.0]], np.float32)
    try:
        img = fasttile.render(w, zoom=65600, padding=1, pad_value=7, threads=2)
    except fasttile.MosaicTooLarge:  # pragma: no cover - a machine with little memory
        pytest.skip("not enough memory for a 4.3 GB mosaic")
    assert img.shape == (65602, 65602)
    assert img[1, 1] == 128 and img[65600, 65600] == 128 and img[-1, -1] == 7 and img[65601, 3] == 7
    assert img[40000, 65600] == 128 and img[40000, 65601] == 7
    del img


@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_cheap_checks_come_before_reading_or_allocating(backend):
    huge = zero_stride((2**40, 4), np.uint8)
    # the norm ordering reads every filter: the size check must refuse first
    with pytest.raises(ValueError, match="cannot allocate"):
        fasttile.render(huge, order="norm", backend=backend)
    # a wrong value_range is reported, not the allocation it would have needed
    with pytest.raises(ValueError, match="lo < hi"):
        fasttile.render(huge, value_range=(1, 0), backend=backend)
