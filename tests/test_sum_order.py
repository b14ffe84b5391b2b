"""The order the per-unit passes add in (cpp/fasttile/slot_sums.hpp), written out here
with Python floats and checked against the kernel on every path that sums a unit
(tiles read in place, lane batches of float and double, adjacent units, tiles too big
for lanes) and against the NumPy reference: term p of a tile into slot p mod 64, each
slot from 0.0 in position order, the slots from 0.0 in slot order, the tiles' sums from
0.0 in inner order. The values span twelve decades, so any other order of adds gives
other doubles (the test checks that the plain left-to-right sum differs)."""

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
    rows = spread((20, 3072), 1, np.float32)  # 32x32 RGB rows: read in place
    yield "rows f32", rows, {"layout": "rows"}, rows.reshape(20, 1, -1)
    yield "rows f64", rows.astype(np.float64), {"layout": "rows"}, rows.reshape(20, 1, -1)  # double lanes
    big = spread((3, 100 * 100), 2, np.float32)  # too big for lanes: one tile at a time
    yield "rows 100x100", big, {"layout": "rows"}, big.reshape(3, 1, -1)
    cols = spread((81, 40), 3, np.float32)  # 9x9 gray columns: adjacent units, slots of two runs
    yield "cols", cols, {"layout": "cols"}, cols.T.reshape(40, 1, -1)
    planes = spread((20, 3, 9, 9), 4, np.float32)  # RGB planes: float lane batches
    yield "oihw rgb", planes, {"layout": "oihw"}, planes.transpose(0, 2, 3, 1).reshape(20, 1, -1)
    hwio = spread((9, 9, 4, 20), 5, np.float32)  # 4 input channels as inner tiles
    yield "hwio split", hwio, {"layout": "hwio", "channel": "split"}, hwio.transpose(3, 2, 0, 1).reshape(20, 4, -1)


CASES = list(cases())


@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_norms_add_in_slot_order(simd_path, case):
    _, bank, kwargs, tiles = CASES[case]
    data, dtype = as_weights(bank)
    view = resolve(data, dtype, **kwargs)
    squares = tiles.astype(np.float64) ** 2
    want = np.array([unit_sum(u) for u in squares])
    assert np.array_equal(reference.unit_sq_norms(view, None), want)
    for threads in (1, 2):
        assert np.array_equal(native.unit_sq_norms(view, None, threads), want)
        assert np.array_equal(native.unit_stats(view, None, threads)[:, 0], want)
    assert not np.array_equal(want, [left_to_right(u) for u in squares])


@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_statistics_shifted_sums_add_in_slot_order(simd_path, case):
    _, bank, kwargs, tiles = CASES[case]
    data, dtype = as_weights(bank)
    view = resolve(data, dtype, **kwargs)
    values = tiles.astype(np.float64)
    shift = values[:, 0, 0]
    n = values[0].size
    want_mean = np.array([s + unit_sum(u - s) / n for u, s in zip(values, shift)])
    for threads in (1, 2):
        assert np.array_equal(native.unit_stats(view, None, threads)[:, 1], want_mean)
    assert np.array_equal(reference.unit_stats(view, None)[:, 1], want_mean)
