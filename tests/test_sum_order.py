"""The order the per-unit passes add in (cpp/fasttile/slot_sums.hpp), written out here
with Python floats and checked against the kernel on every path that sums a unit
(tiles read in place, lane batches of float and double, adjacent units, tiles too big
for lanes) and against the NumPy reference: term p of a tile into slot p mod 64, each
slot from 0.0 in position order, the slots from 0.0 in slot order, the tiles' sums from
0.0 in inner order. The values span twelve decades, so any other order of adds gives
other doubles (the test checks that the plain left-to-right sum differs)."""

import subprocess
import sys

import numpy as np
import pytest

from fasttile.kernel import native
from fasttile.kernel import numpy_backend as reference
from fasttile.kernel.arrays import as_weights
from fasttile.tiling.layout import resolve

pytestmark = pytest.mark.skipif(not native.available(), reason="compiled kernel not built")

SLOTS = 64


def tile_sum(terms) -> float:
    slots = [0.0] * SLOTS
    for p, t in enumerate(terms):
        slots[p % SLOTS] += float(t)
    total = 0.0
    for s in slots[: min(len(terms), SLOTS)]:
        total += s
    return total


def unit_sum(tiles) -> float:
    total = 0.0
    for tile in tiles:
        total += tile_sum(tile)
    return total


def left_to_right(tiles) -> float:
    total = 0.0
    for tile in tiles:
        for t in tile:
            total += float(t)
    return total


def spread(shape, seed, dtype):
    r = np.random.default_rng(seed)
    return (r.standard_normal(shape) * 10.0 ** r.uniform(-6, 6, shape)).astype(dtype)


# (layout, bank, kwargs, the units' tiles in (y, x, channel) order as (units, inner, n))
def cases():
    rows = spread((20, 3072), 1, np.float32)  # 32x32 RGB rows: norms read in place
    yield "rows f32", rows, {"layout": "rows"}, rows.reshape(20, 1, -1)
    yield "rows f64", rows.astype(np.float64), {"layout": "rows"}, rows.reshape(20, 1, -1)  # double lanes
    half = (spread((20, 3072), 8, np.float32) * 1e-2).clip(-6e4, 6e4).astype(np.float16)  # widened row by row
    yield "rows f16", half, {"layout": "rows"}, half.reshape(20, 1, -1)
    big = spread((3, 100 * 100), 2, np.float32)  # statistics: too big for lanes, one tile at a time
    yield "rows 100x100", big, {"layout": "rows"}, big.reshape(3, 1, -1)
    yield "rows 100x100 f64", big.astype(np.float64), {"layout": "rows"}, big.reshape(3, 1, -1)  # norms too
    chw = spread((3, 3 * 40 * 40), 3, np.float32)  # planes in each row: one tile at a time, float lanes
    yield "rows chw 40x40", chw, {"layout": "rows", "channel_order": "chw"}, (
        chw.reshape(3, 3, 40, 40).transpose(0, 2, 3, 1).reshape(3, 1, -1)
    )
    cols = spread((81, 200), 4, np.float32)  # 9x9 gray columns: adjacent units, slots of two runs
    yield "cols", cols, {"layout": "cols"}, cols.T.reshape(200, 1, -1)  # strips of 64 and 8 left
    planes = spread((80, 3, 9, 9), 5, np.float32)  # RGB planes: float lane batches, groups of several
    yield "oihw rgb", planes, {"layout": "oihw"}, planes.transpose(0, 2, 3, 1).reshape(80, 1, -1)
    # RGB planes dealt into slots from the planes (AVX-512): 5x5 one period, then single
    # values; 10x10 a block of three periods, one period, single values; 14x14 (M) three blocks
    for side in (5, 10, 14):
        rgb = spread((40, 3, side, side), 10 + side, np.float32)
        yield f"oihw rgb {side}x{side}", rgb, {"layout": "oihw"}, rgb.transpose(0, 2, 3, 1).reshape(40, 1, -1)
    shifted = np.zeros(rgb.nbytes + 1, np.uint8)[1:].view(np.float32).reshape(rgb.shape)  # a byte off
    shifted[...] = rgb  # the sanitizer build holds every read of it to be unaligned-safe
    yield "oihw rgb misaligned", shifted, {"layout": "oihw"}, rgb.transpose(0, 2, 3, 1).reshape(40, 1, -1)
    split = spread((20, 4, 9, 9), 6, np.float32)  # 4 gray tiles a unit, each in place
    yield "oihw split", split, {"layout": "oihw", "channel": "split"}, split.reshape(20, 4, -1)
    tiny = spread((19, 70, 3, 3), 9, np.float32)  # short tiles: strips of 8 or 4 units, some left over
    yield "oihw 3x3", tiny, {"layout": "oihw", "channel": "split"}, tiny.reshape(19, 70, -1)
    hwio = spread((9, 9, 4, 130), 7, np.float32)  # 4 input channels as inner tiles: adjacent units
    yield "hwio split", hwio, {"layout": "hwio", "channel": "split"}, hwio.transpose(3, 2, 0, 1).reshape(130, 4, -1)


CASES = list(cases())


def view_of(bank, kwargs):
    data, dtype = as_weights(bank)
    return resolve(data, dtype, **kwargs)


@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_norms_add_in_slot_order(simd_path, case):
    _, bank, kwargs, tiles = CASES[case]
    view = view_of(bank, kwargs)
    squares = tiles.astype(np.float64) ** 2
    want = np.array([unit_sum(u) for u in squares])
    assert np.array_equal(reference.unit_sq_norms(view, None), want)
    for threads in (1, 2):
        assert np.array_equal(native.unit_sq_norms(view, None, threads), want)
        assert np.array_equal(native.unit_stats(view, None, threads)[:, 0], want)
    picked = np.array([len(tiles) - 1, 0, 2, 2], dtype=np.int64)  # a selection, repeats included
    assert np.array_equal(native.unit_sq_norms(view, picked, 2), want[picked])
    assert not np.array_equal(want, [left_to_right(u) for u in squares])


def spoiled(tiles: np.ndarray) -> np.ndarray:
    """Non-finite values in slots of several terms (and a unit whose first value is NaN,
    so its shift is 0)."""
    bad = tiles.copy()
    bad[0, 0, 0] = np.nan
    bad[1, -1, 70 % bad.shape[2]] = np.inf
    bad[1, 0, 5] = -np.inf
    bad[-1, 0, 130 % bad.shape[2]] = np.nan
    return bad


def want_stats(tiles: np.ndarray) -> np.ndarray:
    """sum_sq, mean, variance and the non-finite count, as docs/design.md defines them,
    the sums in slot order over the finite values (a skipped value adds nothing)."""
    rows = []
    for u in tiles.astype(np.float64):
        finite = np.isfinite(u)
        shift = u[0, 0] if finite[0, 0] else 0.0
        x = np.where(finite, u, 0.0)
        e = np.where(finite, u - shift, 0.0)
        n = float(finite.sum())
        d1, d2 = unit_sum(e), unit_sum(e * e)
        rows.append([unit_sum(x * x), shift + d1 / n, max(0.0, (d2 - d1 * (d1 / n)) / n), u.size - n])
    return np.array(rows)


@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_statistics_add_in_slot_order(simd_path, case):
    name, bank, kwargs, tiles = CASES[case]
    bad = spoiled(tiles)
    if name.startswith("rows chw"):  # the bank's own order: the channel planes of each row
        flat = bad.reshape(3, 40, 40, 3).transpose(0, 3, 1, 2).reshape(bank.shape)
    elif name == "cols":
        flat = bad.reshape(bank.shape[1], -1).T
    elif name.startswith("oihw rgb"):
        units, _, h, w = bank.shape
        flat = bad.reshape(units, h, w, 3).transpose(0, 3, 1, 2)
    elif name == "hwio split":
        flat = bad.reshape(130, 4, 9, 9).transpose(2, 3, 1, 0)
    else:
        flat = bad.reshape(bank.shape)
    view = view_of(np.ascontiguousarray(flat).astype(bank.dtype), kwargs)
    want = want_stats(bad)
    columns = [0, 1, 2, 5]  # sum_sq, mean, variance, non-finite count
    assert np.array_equal(reference.unit_stats(view, None)[:, columns], want)
    for threads in (1, 2):
        assert np.array_equal(native.unit_stats(view, None, threads)[:, columns], want)


GUARDED = r"""
import ctypes, mmap, sys
import numpy as np
from fasttile.kernel import _core, native
from fasttile.kernel import numpy_backend as reference
from fasttile.kernel.arrays import as_weights
from fasttile.tiling.layout import resolve

_core.select_simd(sys.argv[1])
page = mmap.PAGESIZE
for h, w in [(8, 8), (5, 13), (6, 11), (10, 13), (14, 14)]:  # 64, 65, 66, 130, 196 pixels a plane
    nbytes = 2 * 3 * h * w * 4
    span = (nbytes // page + 2) * page
    memory = mmap.mmap(-1, span)
    start = ctypes.addressof(ctypes.c_char.from_buffer(memory))
    assert ctypes.CDLL(None).mprotect(ctypes.c_void_p(start + span - page), page, 0) == 0  # PROT_NONE
    bank = np.frombuffer(memory, np.float32, 2 * 3 * h * w, span - page - nbytes).reshape(2, 3, h, w)
    bank[...] = np.random.default_rng(h * w).standard_normal(bank.shape)  # ends where the shut page begins
    data, dtype = as_weights(bank)
    view = resolve(data, dtype, layout="oihw")
    assert np.array_equal(native.unit_sq_norms(view, None, 1), reference.unit_sq_norms(view, None))
print("ok")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="mprotect")
def test_plane_reads_end_at_the_bank_end(simd_path):
    """The RGB plane deal reads 8-float windows: none may reach past the bank, here
    ending at a page that cannot be read (a read there kills the child process)."""
    child = [sys.executable, "-c", GUARDED, simd_path]
    done = subprocess.run(child, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
