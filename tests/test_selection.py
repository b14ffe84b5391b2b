"""Subsets of large banks: indices, slices, masks, largest-norm-first, top-k."""

import numpy as np
import pytest
from conftest import assert_backends_agree

import fasttile

rng = np.random.default_rng(9)
W = rng.standard_normal((40, 16)).astype(np.float32) * rng.uniform(0.1, 5, (40, 1)).astype(np.float32)


def same(a, b):
    assert np.array_equal(a, b)


def test_indices_forms():
    ref = fasttile.render(W[[3, 1, 39]])
    same(fasttile.render(W, indices=[3, 1, 39]), ref)
    same(fasttile.render(W, indices=np.array([3, 1, -1])), ref)
    same(fasttile.render(W, indices=slice(10, 20)), fasttile.render(W[10:20]))
    mask = np.zeros(40, bool)
    mask[[1, 3, 39]] = True
    same(fasttile.render(W, indices=mask), fasttile.render(W[[1, 3, 39]]))


def test_largest_norm_first_and_top():
    norms = (W.astype(np.float64) ** 2).sum(axis=1)
    order = np.argsort(-norms, kind="stable")
    same(fasttile.render(W, order="norm"), fasttile.render(W[order]))
    same(fasttile.render(W, order="norm", top=5), fasttile.render(W[order[:5]]))
    same(fasttile.render(W, indices=slice(0, 10), order="norm"), fasttile.render(W[:10][order[order < 10]]))
    assert_backends_agree(W, order="norm", top=7)


def test_selection_on_grid_of_grids_selects_filters():
    g = rng.standard_normal((10, 4, 3, 3)).astype(np.float32)
    same(fasttile.render(g, indices=[2, 7]), fasttile.render(g[[2, 7]]))
    assert fasttile.render(g, top=3).shape == (3 * 4 + 1, 4 * 4 + 1)


def test_bad_indices():
    with pytest.raises(IndexError, match=r"indices\[1\] = 40 is out of range for 40 tiles"):
        fasttile.render(W, indices=[0, 40])
    with pytest.raises(ValueError, match="selects no tiles"):
        fasttile.render(W, indices=[])
    with pytest.raises(ValueError, match="integers"):
        fasttile.render(W, indices=[0.5])
    with pytest.raises(ValueError, match="order must be"):
        fasttile.render(W, order="size")
    with pytest.raises(ValueError, match="top must be"):
        fasttile.render(W, top=0)
