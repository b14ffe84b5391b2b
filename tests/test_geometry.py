"""torchvision's mosaic geometry, fill orders, padding, zoom and colour maps."""

import math

import matplotlib
import numpy as np
import pytest
from conftest import assert_backends_agree

import fasttile


@pytest.mark.parametrize("n", [1, 2, 5, 10, 17])
@pytest.mark.parametrize("padding", [0, 1, 3])
@pytest.mark.parametrize("zoom", [1, 2])
def test_mosaic_size_formula(n, padding, zoom):
    h, w = 3, 5
    img = fasttile.render(np.ones((n, h * w), np.float32), tile_shape=(h, w), padding=padding, zoom=zoom)
    ncols = math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    assert img.shape == (nrows * (h * zoom + padding) + padding, ncols * (w * zoom + padding) + padding)


def test_nrows_and_ncols_mean_what_they_say():
    w = np.ones((10, 4), np.float32)
    assert fasttile.render(w, nrows=4, padding=0).shape == (8, 6)  # 4 rows x 3 cols
    assert fasttile.render(w, ncols=5, padding=0).shape == (4, 10)
    assert fasttile.render(w, nrows=1, ncols=12, padding=0).shape == (2, 24)


def tiles_with_levels(n):
    """n gray 1x2 tiles whose right pixel is 255 and left 0: the tile index is in padding-free cells."""
    return np.tile(np.array([0.0, 1.0], np.float32), (n, 1))


def test_fill_orders():
    w = np.arange(6, dtype=np.float32)[:, None] * np.ones((1, 4), np.float32)
    w[:, 0] -= 1  # each tile: one dark pixel, constant otherwise
    rows = fasttile.render(w, ncols=3, padding=0, pad_value=7)
    cols = fasttile.render(w, ncols=3, padding=0, pad_value=7, fill="columns")
    assert rows.shape == cols.shape == (4, 6)
    # identical tiles, so compare where the tiles go via a marker tile
    w2 = np.zeros((5, 4), np.float32)
    w2[1] = [0, 1, 2, 3]
    r = fasttile.render(w2, nrows=2, ncols=3, padding=0, pad_value=7)
    c = fasttile.render(w2, nrows=2, ncols=3, padding=0, pad_value=7, fill="columns")
    assert r[0:2, 2:4].tolist() == [[0, 85], [170, 255]]  # tile 1 at row 0, col 1
    assert c[2:4, 0:2].tolist() == [[0, 85], [170, 255]]  # tile 1 at row 1, col 0
    assert (r[2:4, 4:6] == 7).all() and (c[2:4, 4:6] == 7).all()  # the empty sixth cell


def test_zoom_is_nearest_neighbour():
    w = np.array([[0.0, 1.0, 2.0, 3.0]], np.float32)
    img = assert_backends_agree(w, padding=0, zoom=3)
    assert np.array_equal(img, np.kron(fasttile.render(w, padding=0), np.ones((3, 3), np.uint8)))


def test_rgb_pad_value_and_empty_cells():
    w = np.ones((3, 4), np.float32)
    img = assert_backends_agree(w, padding=1, pad_value=(10, 20, 30))
    assert img.shape == (7, 7, 3)
    assert img[0, 0].tolist() == [10, 20, 30]
    assert (img[4:6, 4:6] == [10, 20, 30]).all()  # the fourth, empty cell
    assert (img[1:3, 1:3] == 128).all()


def test_cmap_is_a_lookup_table():
    w = np.linspace(0, 1, 256, dtype=np.float32)[None]
    img = assert_backends_agree(w, tile_shape=(16, 16), padding=0, cmap="viridis")
    lut = matplotlib.colormaps["viridis"](np.linspace(0, 1, 256), bytes=True)[:, :3]
    assert np.array_equal(img.reshape(256, 3), lut)


def test_out_is_filled_in_place_including_a_slice_of_a_larger_image():
    w = np.random.default_rng(0).standard_normal((9, 48)).astype(np.float32)
    expected = fasttile.render(w)
    canvas = np.zeros((expected.shape[0], expected.shape[1] * 2, 3), np.uint8)
    for i, backend in enumerate(("native", "numpy")):
        target = canvas[:, i * expected.shape[1] : (i + 1) * expected.shape[1]]
        assert fasttile.render(w, out=target, backend=backend) is target
    assert np.array_equal(canvas[:, : expected.shape[1]], expected)
    assert np.array_equal(canvas[:, expected.shape[1] :], expected)
