"""The kernel reads tiles one at a time (long contiguous rows) or sixteen side by side
(tiny tiles, "cols" and "hwio" banks). Both must equal the reference, including
partial batches, selections, fill orders, markers, lookup tables and zoom."""

import numpy as np
import pytest
from conftest import assert_backends_agree

rng = np.random.default_rng(21)


def bank(shape, nan_at=None):
    w = rng.standard_normal(shape).astype(np.float32)
    if nan_at is not None:
        w[nan_at] = np.nan
    return w


CASES = {
    # per tile: contiguous rows of >= 64 values
    "rows-per-tile": (lambda n: bank((n, 192)), {}),
    # unit lanes, adjacent: one column per tile
    "cols": (lambda n: bank((27, n)), {"layout": "cols"}),
    # the same with rows of more than 16 levels (8x8 RGB): painted tile by tile after
    # a 16 x 16 byte transpose
    "cols-wide": (lambda n: bank((192, n)), {"layout": "cols"}),
    # unit lanes over filters of an HWIO kernel, split channels
    "hwio-split": (lambda n: bank((3, 3, 5, n)), {"layout": "hwio"}),
    "hwio-rgb": (lambda n: bank((3, 3, 3, n)), {"layout": "hwio"}),
    # inner lanes: tiny tiles, one per (filter, input channel)
    "tiny-oihw": (lambda n: bank((3, n, 3, 3)), {}),
    # unit lanes with a constant, non-adjacent stride
    "tiny-rows": (lambda n: bank((n, 9)), {}),
    "mean": (lambda n: bank((n, 6, 2, 2)), {"channel": "mean"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("n", [1, 15, 16, 17, 40])
def test_strategies_match_reference(simd_path, case, n):
    make, kw = CASES[case]
    w = make(n)
    assert_backends_agree(w, **kw)
    assert_backends_agree(w, **kw, fill="columns", threads=3, padding=2, pad_value=(9, 99, 199))
    assert_backends_agree(w, **kw, normalize="symmetric", zoom=2, ncols=5)


@pytest.mark.parametrize("case", sorted(CASES))
def test_strategies_with_selection_marks_and_lut(case):
    make, kw = CASES[case]
    w = make(40)
    flat = w.reshape(-1)
    flat[rng.choice(flat.size, 5, replace=False)] = [np.nan, np.inf, -np.inf, np.nan, np.inf]
    assert_backends_agree(w, **kw, nonfinite="mark", threads=2)
    assert_backends_agree(w, **kw, nonfinite="mark", order="norm", top=20)
    assert_backends_agree(w, **kw, nonfinite="raise")
    kw_gray = dict(kw)
    if case in ("hwio-rgb",):
        kw_gray["channel"] = 1
    assert_backends_agree(w, **kw_gray, nonfinite="mark", cmap="viridis", indices=slice(None, None, 3))


def test_nonfinite_report_lists_smallest_tiles_across_lanes():
    # unit lanes visit tile t = u * inner + i out of order; the report is still ascending
    w = bank((3, 3, 4, 64))
    w[0, 0, 1, 5] = np.nan  # filter 5, channel 1
    w[0, 0, 0, 40] = np.nan  # filter 40, channel 0
    assert_backends_agree(w, layout="hwio")
    with pytest.raises(ValueError, match=r"2 non-finite values .* tiles 5 \(channel 1\), 40 \(channel 0\)"):
        import fasttile

        fasttile.render(w, layout="hwio")


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("shape", [(3, 3, 37, 21), (2, 2, 16, 16), (1, 3, 40, 5), (3, 3, 2, 33)])
def test_hwio_unit_blocks_read_across_input_channels(simd_path, dtype, shape):
    # An hwio kernel with several input channels is read a block of 16 filters at 16
    # channels at a time and transposed, so that each filter's channels are painted as
    # whole picture rows (lane_groups.hpp, crossed groups): blocks cut short both ways,
    # float32 and float64 through register blocks, float16 through the plain transpose.
    w = bank(shape).astype(dtype)
    w[0, 1, min(21, shape[2] - 1), 3 % shape[3]] = np.nan  # the sixth channel of its block
    w[-1, 0, 0, -1] = np.inf
    assert_backends_agree(w, layout="hwio", nonfinite="mark", threads=3)
    assert_backends_agree(w, layout="hwio", nonfinite="mark", ncols=7, fill="columns", zoom=2)
    assert_backends_agree(w, layout="hwio")  # refused, the same tiles reported
    finite = np.nan_to_num(w, posinf=0.0)
    assert_backends_agree(finite, layout="hwio", cmap="viridis", ncols=20, padding=2)
    assert_backends_agree(finite, layout="hwio", normalize="global", threads=2)
    # selections: read in unit order, each filter's channels painted where it is shown
    assert_backends_agree(w, layout="hwio", nonfinite="mark", order="norm", threads=2)
    picks = np.random.default_rng(3).integers(0, shape[3], 2 * shape[3])  # repeats and gaps
    assert_backends_agree(w, layout="hwio", nonfinite="mark", indices=picks, fill="columns")
    assert_backends_agree(finite, layout="hwio", top=min(5, shape[3]), ncols=9)


@pytest.mark.parametrize("threads", [1, 2, 7])
def test_large_mosaics_assembled_in_bands(simd_path, threads):
    # >= 8 MB of output: the kernel draws each grid row into a band and streams it out
    w = rng.standard_normal((3000, 3072)).astype(np.float32)  # 55 x 55 grid, the last row partial
    w[1234, 5] = np.nan
    img = assert_backends_agree(w, nonfinite="mark", threads=threads, pad_value=(1, 2, 3))
    assert img.nbytes >= 8 << 20
    assert_backends_agree(w, threads=threads)  # refused: the NaN, counted the same


@pytest.mark.parametrize("padding, ncols, threads", [(1, None, 2), (0, 101, 1), (3, 77, 3)])
def test_large_cols_mosaics_streamed_a_picture_row_at_a_time(padding, ncols, threads):
    # >= 8 MB of output from a cols bank of 16x16 RGB columns: the cells of a lane batch
    # side by side are stored a picture row at a time, the rows' whole lines streamed
    # (stream_lines): rows starting at every alignment, grid rows that cut batches,
    # the last grid row partial, and a batch with a NaN painted by the general painter.
    w = rng.standard_normal((768, 11500)).astype(np.float32)
    w[5, 4321] = np.nan
    img = assert_backends_agree(w, layout="cols", nonfinite="mark", padding=padding, ncols=ncols, threads=threads)
    assert img.nbytes >= 8 << 20


def test_large_mosaics_in_bands_other_options():
    w = rng.standard_normal((700, 1024)).astype(np.float64)
    img = assert_backends_agree(w, zoom=4, normalize="global", padding=2)  # gray, float64, zoomed
    assert img.nbytes >= 8 << 20
    img = assert_backends_agree(w, tile_shape=(32, 32), cmap="magma", zoom=3, indices=slice(0, 650))
    assert img.nbytes >= 8 << 20


@pytest.mark.parametrize("layout, shape", [("cols", (27, 70)), ("hwio", (3, 3, 5, 70))])
@pytest.mark.parametrize("nonfinite", ["raise", "mark"])
def test_selections_are_read_in_unit_order_and_painted_in_display_order(layout, shape, nonfinite):
    w = bank(shape)
    w[(slice(None),) * (len(shape) - 1) + (np.array([3, 40, 41, 69]),)] = np.nan
    picks = [
        np.random.default_rng(2).permutation(70),  # a whole permutation: sorted, it is every unit in a row
        np.array([5, 69, 3, 3, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 0, 41]),
    ]
    for indices in picks:
        assert_backends_agree(w, layout=layout, indices=indices, nonfinite=nonfinite, threads=3)
        assert_backends_agree(w, layout=layout, indices=indices, nonfinite=nonfinite, zoom=2, fill="columns")
    assert_backends_agree(w, layout=layout, order="norm", nonfinite="mark")


@pytest.mark.parametrize(
    "layout, shape, kwargs",
    [
        ("rows", (3000, 192), {}),
        ("oihw", (3000, 3, 8, 8), {}),
        ("oihw", (3000, 2, 9, 9), {"channel": "split"}),
    ],
)
@pytest.mark.parametrize("nonfinite", ["raise", "mark"])
def test_selections_of_tiles_drawn_one_by_one_are_read_sorted(layout, shape, kwargs, nonfinite):
    """Tiles drawn one at a time (rows of 192 values, RGB planes, split channels) are read
    in ascending unit order too, each painted at its display position and reported by it;
    large enough banks for two threads, each reading its own blocks of the sorted order."""
    w = bank(shape)
    w[[3, 40, 41, 69], ..., 1] = np.nan
    picks = [
        np.random.default_rng(2).permutation(3000),
        np.array([5, 69, 3, 3, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 0, 41]),
    ]
    for indices in picks:
        assert_backends_agree(w, layout=layout, indices=indices, nonfinite=nonfinite, threads=3, **kwargs)
        assert_backends_agree(
            w, layout=layout, indices=indices, nonfinite=nonfinite, zoom=2, fill="columns", **kwargs
        )
    assert_backends_agree(w, layout=layout, order="norm", nonfinite="mark", **kwargs)


@pytest.mark.parametrize(
    "shape, layout",
    [((4, 40, 3, 3), "oihw"), ((3, 20, 5, 5), "oihw"), ((3, 3, 3, 37), "hwio"), ((2, 2, 1, 50), "hwio")],
)
@pytest.mark.parametrize("padding", [0, 1, 3, 9])
@pytest.mark.parametrize("ncols", [None, 7, 16, 33])
def test_lane_batches_laid_out_a_picture_row_at_a_time(simd_path, shape, layout, padding, ncols):
    # tiny tiles of a lane batch are placed as whole picture rows (lane_rows.hpp): whole
    # when their cells sit side by side, cell by cell when a batch wraps a grid row,
    # and by the general painter when the padding is too wide for the tables
    w = bank(shape)
    assert_backends_agree(w, layout=layout, padding=padding, ncols=ncols, pad_value=(9, 99, 199))
    assert_backends_agree(w, layout=layout, padding=padding, ncols=ncols, fill="columns", pad_value=7)
