"""Real filter banks, learned from matplotlib's sample photograph (smooth, correlated,
some nearly dead), through every layout, option and SIMD path."""

import numpy as np
import pytest
from conftest import assert_backends_agree

import fasttile
from fasttile.demo import learn_filters


@pytest.fixture(scope="module")
def bank():
    filters = learn_filters(n_filters=48, count=6000, iterations=40)
    filters[5] *= 1e-30  # a dead filter
    filters[9] = filters[9] * 1e-3 + 1000.0  # a filter riding on a large offset
    return filters


@pytest.mark.parametrize("normalize", ["tile", "global", "symmetric", "global-symmetric"])
def test_learned_bank_every_path(simd_path, bank, normalize):
    assert_backends_agree(bank, tile_shape=(8, 8, 3), normalize=normalize)


@pytest.mark.parametrize("dtype", ["float16", "float64", "bfloat16"])
def test_learned_bank_dtypes(bank, dtype):
    from banks import DTYPES, numpy_dtype

    if dtype not in DTYPES:
        pytest.skip("ml_dtypes not installed")
    with np.errstate(under="ignore"):
        w = bank.astype(numpy_dtype(dtype))
    assert_backends_agree(w, tile_shape=(8, 8, 3), order="norm", zoom=2)


def test_learned_bank_as_conv_layouts(bank):
    oihw = bank.reshape(-1, 8, 8, 3).transpose(0, 3, 1, 2)
    ref = fasttile.render(bank, tile_shape=(8, 8, 3))
    assert np.array_equal(fasttile.render(oihw), ref)
    assert np.array_equal(fasttile.render(oihw.transpose(2, 3, 1, 0), layout="hwio"), ref)
    assert np.array_equal(fasttile.render(bank.T, layout="cols", tile_shape=(8, 8, 3)), ref)
    assert_backends_agree(oihw, channel="split")
    assert_backends_agree(oihw, channel="mean", cmap="RdBu")


def test_dead_filter_still_a_full_gradient(bank):
    img = fasttile.render(bank[5:6], tile_shape=(8, 8, 3), padding=0)
    assert img.min() == 0 and img.max() == 255
