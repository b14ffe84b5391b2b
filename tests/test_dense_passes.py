"""The passes that stream a bank in memory order instead of tile by tile (issue 20):
the range scan over a bank whose shown values fill one contiguous block, and the
squared norms of units one element apart (cols, hwio). Both must give exactly what
the NumPy reference gives, on every SIMD path and thread count, with and without
non-finite values (which send the scan back to the per-tile pass)."""

import numpy as np
import pytest

import fasttile
from fasttile.kernel import native
from fasttile.kernel import numpy_backend as reference
from fasttile.kernel.arrays import as_weights
from fasttile.tiling.layout import resolve

pytestmark = pytest.mark.skipif(not native.available(), reason="compiled kernel not built")


def view_of(arr, **kwargs):
    data, dtype = as_weights(arr)
    return resolve(data, dtype, **kwargs)


def spoil(w: np.ndarray) -> np.ndarray:
    w = w.copy()
    flat = w.reshape(-1)
    flat[len(flat) // 3] = np.nan
    flat[-1] = -np.inf
    return w


# Banks whose values fill one block: rows, cols, oihw, hwio, flipped (negative
# strides), and sizes around the scan's 65536-value chunks and the vector widths.
DENSE = [
    ("rows", lambda r: r.standard_normal((37, 27))),
    ("rows", lambda r: r.standard_normal((70, 1024))[::-1]),
    ("cols", lambda r: r.standard_normal((3072, 23))),
    ("cols", lambda r: r.standard_normal((1, 5))),
    ("oihw", lambda r: r.standard_normal((64, 40, 3, 3))),
    ("oihw", lambda r: r.standard_normal((7, 3, 5, 5))[:, :, ::-1]),
    ("hwio", lambda r: r.standard_normal((3, 3, 17, 33))),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", range(len(DENSE)))
@pytest.mark.parametrize("nonfinite", [False, True])
def test_dense_range_scan_every_path(simd_path, case, dtype, nonfinite):
    layout, make = DENSE[case]
    w = make(np.random.default_rng(case)).astype(dtype)
    if nonfinite:
        w = spoil(w)
    view = view_of(w, layout=layout)
    want = reference.scan_range(view, None)
    for threads in (1, 2, 3):
        assert native.scan_range(view, None, threads) == want


def test_scan_of_a_strided_bank_is_not_dense():
    w = np.random.default_rng(1).standard_normal((50, 64)).astype(np.float32)
    for view in (view_of(w[::2], layout="rows"), view_of(w[:, :49], layout="rows")):
        assert native.scan_range(view, None, 2) == reference.scan_range(view, None)


def adjacent_banks(units: int):
    r = np.random.default_rng(units)
    yield view_of(r.standard_normal((27, units)).astype(np.float32), layout="cols")  # 3x3 RGB columns
    yield view_of(r.standard_normal((1, units)).astype(np.float32), layout="cols")  # one value each
    yield view_of(r.standard_normal((81, units)).astype(np.float32), layout="cols")  # 9x9: slots of two runs
    hwio = r.standard_normal((3, 3, 5, units)).astype(np.float32)
    yield view_of(hwio, layout="hwio")
    yield view_of(hwio, layout="hwio", channel="split")
    yield view_of(spoil(hwio), layout="hwio")


@pytest.mark.parametrize("units", [1, 15, 37, 600])
def test_norms_of_adjacent_units_every_path(simd_path, units):
    for view in adjacent_banks(units):
        want = reference.unit_sq_norms(view, None)
        for threads in (1, 2, 3):
            got = native.unit_sq_norms(view, None, threads)
            assert np.array_equal(got, want, equal_nan=True)


def short_tile_banks(units: int):
    """Units of short tiles stored in (y, x, channel) order: summed from their squares."""
    r = np.random.default_rng(units + 1)
    yield view_of(r.standard_normal((units, 37, 3, 3)).astype(np.float32), layout="oihw", channel="split")
    yield view_of(r.standard_normal((units, 1, 3, 3)).astype(np.float32), layout="oihw")
    yield view_of(r.standard_normal((units, 27)).astype(np.float32), layout="rows")  # 3x3 RGB, hwc
    yield view_of(r.standard_normal((units, 1)).astype(np.float32), layout="rows")
    yield view_of(r.standard_normal((units, 64)).astype(np.float32), layout="rows")  # 8x8: the longest
    strided = r.standard_normal((units, 5, 2, 2)).astype(np.float32)[:, ::2]  # not back to back
    yield view_of(strided, layout="oihw", channel="split")
    spoiled = spoil(r.standard_normal((units, 7, 3, 3)).astype(np.float32))
    yield view_of(spoiled, layout="oihw", channel="split")


@pytest.mark.parametrize("units", [1, 5, 17, 300])
def test_norms_of_short_tiles_every_path(simd_path, units):
    # a strip of eight and more: distinct units in a scrambled order, and a repeat
    picked = np.array([units - 1, 0, units // 2, units // 2, *range(units)[1:9][::-1]], dtype=np.int64)
    for view in short_tile_banks(units):
        for indices in (None, picked):
            want = reference.unit_sq_norms(view, indices)
            for threads in (1, 2, 3):
                got = native.unit_sq_norms(view, indices, threads)
                assert np.array_equal(got, want, equal_nan=True)


@pytest.mark.parametrize(
    "options",
    [
        {"normalize": "tile"},
        {"normalize": "symmetric"},
        {"normalize": "global"},
        {"normalize": "global-symmetric"},
        {"value_range": (-10.0, 10.0)},  # holds every tile: the clamps are skipped
        {"value_range": (-0.5, 0.25)},  # cuts most tiles: clamped
        {"value_range": (0.0, 1.0)},  # holds some tiles only
        {"normalize": "global", "nonfinite": "mark", "spoil": True},
        {"normalize": "tile", "nonfinite": "mark", "spoil": True},
    ],
)
@pytest.mark.parametrize("shape", [(40, 3, 9, 9), (40, 7, 3, 3)])  # per tile; lane batches of 3x3 tiles
def test_fixed_ranges_holding_or_cutting_tiles_every_path(simd_path, options, shape):
    """Finite tiles (and all-finite lane batches) inside their maps' clamp bounds skip the
    clamps (quantizer.hpp); the others are clamped."""
    options = dict(options)
    w = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    w[5] = 0.75  # a constant tile
    if options.pop("spoil", False):
        w = spoil(w)
    for channel in (None, "split") if shape[1] == 3 else ("split",):
        for bank in (w, w.astype(np.float64)):
            ours = fasttile.render(bank, backend="native", channel=channel, **options)
            assert np.array_equal(ours, fasttile.render(bank, backend="numpy", channel=channel, **options))


@pytest.mark.parametrize("units", [5, 37])
def test_statistics_of_lane_batches_every_path(simd_path, units):
    """The statistics pass's finite sums run in each instruction set's loop (lane_finite_sums)."""
    for view in (*adjacent_banks(units), *short_tile_banks(units)):
        want = reference.unit_stats(view, None)
        for threads in (1, 2):
            assert np.array_equal(native.unit_stats(view, None, threads), want, equal_nan=True)


@pytest.mark.parametrize("side", [1, 4, 5, 14])  # 1, 16, 25 and 196 pixels a plane
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rgb_tiles_stored_as_planes_every_path(simd_path, side, dtype):
    """oihw RGB tiles are quantized in place and their levels interleaved (render.cpp's
    draw_planes); a tile with a non-finite value is interleaved as values."""
    w = np.random.default_rng(side).standard_normal((37, 3, side, side)).astype(dtype)
    w[3] = 0.5
    spoiled = spoil(w)
    for bank in (w, spoiled):
        for options in ({}, {"normalize": "global"}, {"zoom": 2, "padding": 0}, {"nonfinite": "mark"}):
            if bank is spoiled and "nonfinite" not in options:
                continue
            ours = fasttile.render(bank, backend="native", layout="oihw", **options)
            assert np.array_equal(ours, fasttile.render(bank, backend="numpy", layout="oihw", **options))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_finite_values_whose_sums_overflow_every_path(simd_path, dtype):
    """The all-finite min/max keeps running sums of the values to tell that every one is
    finite. Values near the type's largest make those sums overflow though every value
    is finite: the tile must then take the masked loop, with the same range, not be
    called non-finite."""
    big = np.finfo(dtype).max
    r = np.random.default_rng(7)
    w = (r.uniform(0.5, 1.0, (6, 3 * 16 * 16)) * big).astype(dtype)
    w[1] *= -1  # sums that overflow to -inf
    w[2, ::2] *= -1  # sums that stay finite
    w[3, :100] = r.standard_normal(100)  # overflow late in the tile
    view = view_of(w, layout="rows")
    want = reference.scan_range(view, None)
    assert np.isfinite(want[:2]).all() and want[2][0] == 0  # no value is non-finite
    for threads in (1, 2):
        assert native.scan_range(view, None, threads) == want
        for normalize in ("tile", "global"):
            got = fasttile.render(w, normalize=normalize, threads=threads)
            assert np.array_equal(got, fasttile.render(w, normalize=normalize, backend="numpy"))


# Banks large enough for two threads (threads_for gives each at least 512 K values): a
# cols bank in strips, one past 16 MB in 1 KB-run blocks, 3x3 short tiles in strips.
TWO_THREAD_BANKS = [
    ("cols", lambda r: r.standard_normal((27, 40000)), {}),
    ("cols", lambda r: r.standard_normal((9, 500003)), {}),
    ("oihw", lambda r: r.standard_normal((601, 256, 3, 3)), {"channel": "split"}),
]


@pytest.mark.parametrize("case", range(len(TWO_THREAD_BANKS)))
def test_norms_on_two_threads(case):
    layout, make, kwargs = TWO_THREAD_BANKS[case]
    view = view_of(make(np.random.default_rng(case)).astype(np.float32), layout=layout, **kwargs)
    want = reference.unit_sq_norms(view, None)
    for threads in (1, 2):
        assert np.array_equal(native.unit_sq_norms(view, None, threads), want)


def test_plain_cells_with_padding_wider_than_the_pad_run():
    """Cells painted plainly copy their padding from a run of 80 RGB pixels; wider
    padding is filled pixel by pixel."""
    w = np.random.default_rng(3).standard_normal((5, 4 * 4 * 3)).astype(np.float32)
    for padding in (80, 90):
        got = fasttile.render(w, padding=padding, pad_value=(200, 10, 30))
        assert np.array_equal(got, fasttile.render(w, padding=padding, pad_value=(200, 10, 30), backend="numpy"))
