"""The exact pixel rule of docs/design.md, on hand-picked tiles, against real arithmetic."""

import numpy as np
import pytest
from conftest import assert_backends_agree

import fasttile


def one_tile(values, dtype="float32", **kw):
    x = np.asarray(values, dtype=dtype).reshape(1, -1)
    img = assert_backends_agree(x, tile_shape=(1, x.shape[1]), padding=0, **kw)
    return img[0]


def real_levels(x, lo, hi):
    # x86-64 long double: wider exponent, so neither overflow nor subnormal loss
    x, lo, hi = (np.asarray(v, dtype=np.longdouble) for v in (x, lo, hi))
    return np.floor((x - lo) / (hi - lo) * 255 + 0.5).astype(np.float64)


def test_worked_example():
    assert one_tile([-0.3, 0, 0.1, 0.2, 0.5]).tolist() == [0, 96, 128, 159, 255]


def test_constant_tile_is_mid_gray():
    assert one_tile([0.7] * 6).tolist() == [128] * 6
    assert one_tile([0] * 4, dtype="int8").tolist() == [128] * 4


def test_uint8_tile_spanning_0_255_is_identity():
    assert one_tile(np.arange(256), dtype="uint8").tolist() == list(range(256))


@pytest.mark.parametrize(
    "values, dtype",
    [
        (np.linspace(-3e38, 3e38, 101), "float32"),  # hi - lo overflows float32
        (np.linspace(-1, 1, 101) * 1.7e308, "float64"),  # ... and float64
        (np.arange(-20, 21) * 1e-45, "float32"),  # subnormal spread
        (np.arange(-20, 21) * 5e-324, "float64"),
        (1e-34 + np.arange(40) * 1e-41, "float32"),  # a nearly dead filter
        (1000 + np.linspace(-1e-4, 1e-4, 9), "float32"),  # 1000 +- 1e-4
        (np.random.default_rng(0).standard_normal(997), "float32"),
        (np.random.default_rng(1).standard_normal(997), "float64"),
    ],
)
def test_extreme_ranges_are_full_gradients_within_one_level(values, dtype):
    x = np.asarray(values, dtype=dtype)
    q = one_tile(x, dtype=dtype)
    finite = x.astype(np.longdouble)
    expected = real_levels(finite, finite.min(), finite.max())
    assert np.abs(q.astype(int) - expected).max() <= 1
    assert q.min() == 0 and q.max() == 255


def test_symmetric_maps_zero_to_128():
    q = one_tile([-2.0, -1.0, 0.0, 0.5, 1.0], normalize="symmetric")
    assert q.tolist() == [0, 64, 128, 159, 191]
    assert one_tile([0.0, 0.0], normalize="symmetric").tolist() == [128, 128]


def test_global_uses_one_range_for_the_bank():
    w = np.array([[0.0, 1.0], [0.0, 4.0]], dtype=np.float32)
    img = fasttile.render(w, tile_shape=(1, 2), normalize="global", padding=0, ncols=1)
    assert img.tolist() == [[0, 64], [0, 255]]
    img = fasttile.render(w, tile_shape=(1, 2), normalize="global-symmetric", padding=0, ncols=1)
    assert img.tolist() == [[128, 159], [128, 255]]


def test_value_range_clamps():
    q = one_tile([-5.0, 0.0, 0.5, 1.0, 9.0], value_range=(0, 1))
    assert q.tolist() == [0, 0, 128, 255, 255]


def test_nonfinite_raises_with_count_and_tiles():
    w = np.zeros((30, 4), dtype=np.float32)
    w[3, 1] = np.nan
    w[17, 0] = np.inf
    w[17, 2] = -np.inf
    for backend in ("native", "numpy"):
        with pytest.raises(ValueError, match=r"3 non-finite values .* tiles 3, 17;"):
            fasttile.render(w, backend=backend)


def test_nonfinite_mark_paints_magenta_and_ignores_them_in_the_range():
    x = np.array([[0.0, np.nan, 1.0, np.inf]], dtype=np.float32)
    img = assert_backends_agree(x, tile_shape=(1, 4), padding=0, nonfinite="mark")
    assert img.shape == (1, 4, 3)  # gray tiles become RGB so the marker shows
    assert img[0].tolist() == [[0, 0, 0], [255, 0, 255], [255, 255, 255], [255, 0, 255]]


def test_all_nonfinite_tile_marked():
    x = np.full((1, 4), np.nan, dtype=np.float32)
    img = fasttile.render(x, tile_shape=(2, 2), padding=0, nonfinite="mark")
    assert (img == [255, 0, 255]).all()


def test_close_to_torchvision_rounding():
    """torchvision divides where we multiply: at most one level apart, on <= 0.1% of pixels."""
    rng = np.random.default_rng(3)
    w = rng.standard_normal((64, 768)).astype(np.float32)
    ours = fasttile.render(w, padding=0, ncols=1)[:, :, :].reshape(64, 16, 16, 3)
    lo = w.min(axis=1, keepdims=True)
    hi = w.max(axis=1, keepdims=True)
    theirs = ((w - lo) / (hi - lo) * np.float32(255) + np.float32(0.5)).clip(0, 255).astype(np.uint8)
    diff = np.abs(ours.reshape(64, -1).astype(int) - theirs.astype(int))
    assert diff.max() <= 1
    assert (diff > 0).mean() <= 1e-3
