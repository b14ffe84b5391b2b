"""Every layout reduces to the same tiles: equivalent arrangements give equal mosaics."""

import numpy as np
import pytest
from conftest import assert_backends_agree

import fasttile

rng = np.random.default_rng(11)
X = rng.standard_normal((6, 3, 5, 4)).astype(np.float32)  # O, I, H, W
G = rng.standard_normal((6, 5, 3, 4)).astype(np.float32)  # 5 input channels: grid of grids


def same(a, b):
    assert a.shape == b.shape
    assert np.array_equal(a, b)


def test_conv_layouts_agree():
    ref = fasttile.render(X)  # oihw default for 4-D
    same(ref, fasttile.render(X.transpose(2, 3, 1, 0), layout="hwio"))
    same(ref, fasttile.render(X.transpose(0, 2, 3, 1), layout="ohwi"))
    same(ref, fasttile.render(X.transpose(0, 2, 3, 1), layout="nhwc"))
    same(ref, fasttile.render(X, layout="nchw"))
    assert ref.ndim == 3


def test_rows_cols_and_channel_orders_agree():
    flat_hwc = X.transpose(0, 2, 3, 1).reshape(6, -1)
    flat_chw = X.reshape(6, -1)
    ref = fasttile.render(X)
    same(ref, fasttile.render(flat_hwc, tile_shape=(5, 4, 3)))
    same(ref, fasttile.render(flat_chw, tile_shape=(5, 4, 3), channel_order="chw"))
    same(ref, fasttile.render(flat_hwc.T, layout="cols", tile_shape=(5, 4, 3)))
    same(ref, fasttile.render(np.asfortranarray(flat_hwc.T), layout="cols", tile_shape=(5, 4, 3)))


def test_three_dimensional_default_is_nhw():
    same(fasttile.render(X[:, 0]), fasttile.render(X[:, :1]))
    assert fasttile.render(X[:, 0]).ndim == 2


def test_inferred_tile_shapes():
    assert fasttile.render(np.zeros((100, 3072), np.float32)).shape == (331, 331, 3)  # CS231n
    assert fasttile.render(np.zeros((3072, 100), np.float32), layout="cols").shape == (331, 331, 3)
    assert fasttile.render(np.zeros((10, 784), np.float32)).shape == (
        3 * 29 + 1,
        4 * 29 + 1,
    )  # MNIST: 3 rows of 4
    assert fasttile.render(np.zeros((2, 75), np.float32)).shape == (7, 13, 3)  # 5x5 RGB


def test_bgr_swaps_channels():
    same(fasttile.render(X, bgr=True), fasttile.render(X[:, ::-1]))


def test_grid_of_grids_one_filter_per_row():
    img = assert_backends_agree(G, padding=1)
    assert img.shape == (6 * 4 + 1, 5 * 5 + 1)  # 6 rows of 5 gray 3x4 tiles
    for o in (0, 5):
        for i in (0, 4):
            alone = fasttile.render(G[o, i][None], padding=0)
            y, x = 1 + o * 4, 1 + i * 5
            same(img[y : y + 3, x : x + 4], alone)


def test_channel_pick_and_mean():
    same(fasttile.render(G, channel=2), fasttile.render(G[:, 2]))
    same(fasttile.render(G, channel=-1), fasttile.render(G[:, 4]))
    mean = G.astype(np.float64).sum(axis=1) / 5  # exact enough: 5 float32 terms in double
    same(fasttile.render(G, channel="mean"), fasttile.render(mean.astype(np.float32)))
    assert fasttile.render(X, channel="split").shape == (6 * 6 + 1, 3 * 5 + 1)


def test_known_pixels_in_place():
    w = np.array([[0.0, 1.0, 2.0, 3.0]], dtype=np.float32)
    img = fasttile.render(w, padding=2, pad_value=9)
    assert img.tolist() == [[9] * 6, [9] * 6, [9, 9, 0, 85, 9, 9], [9, 9, 170, 255, 9, 9], [9] * 6, [9] * 6]


@pytest.mark.parametrize("layout", ["rows", "cols", "nhw", "oihw", "hwio", "ohwi", "nhwc", "nchw"])
def test_layouts_match_reference_with_negative_strides(layout):
    shapes = {"rows": (7, 27), "cols": (27, 7), "nhw": (7, 3, 3)}
    arr = rng.standard_normal(shapes.get(layout, (7, 3, 3, 3))).astype(np.float32)
    flipped = arr[::-1, ..., ::-1]
    assert_backends_agree(flipped, layout=layout)
