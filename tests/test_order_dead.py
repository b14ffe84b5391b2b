"""order="variance" / "max_abs" and the dead selection, held to the same render with
the order or selection computed independently in NumPy and passed as indices."""

from __future__ import annotations

import numpy as np
import pytest

import fasttile


@pytest.fixture
def bank():
    rng = np.random.default_rng(5)
    w = rng.standard_normal((60, 5, 5)) * rng.uniform(0.1, 3.0, (60, 1, 1))
    w[7] = 0.0  # constant: dead
    w[9] = 1.5  # constant, non-zero: dead
    w[11] *= 1e-5  # near-zero norm: dead by the relative threshold
    w[13, 0, 0] = 40.0  # large |value|: first by max_abs
    return w


def norms(w):
    return np.sqrt((w.reshape(len(w), -1).astype(np.float64) ** 2).sum(axis=1))


@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_variance_and_max_abs_orders(bank, backend):
    flat = bank.reshape(len(bank), -1)
    for order, key in (("variance", flat.var(axis=1)), ("max_abs", np.abs(flat).max(axis=1))):
        expected = fasttile.render(bank, indices=np.argsort(-key, kind="stable")[:20], backend=backend)
        assert np.array_equal(fasttile.render(bank, order=order, top=20, backend=backend), expected)
    assert np.argsort(-np.abs(flat).max(axis=1))[0] == 13


def test_dead_hide_and_only(bank):
    n = norms(bank)
    constant = np.ptp(bank.reshape(len(bank), -1), axis=1) == 0
    dead = constant | (n <= 1e-3 * n.max())
    assert set(np.flatnonzero(dead)) == {7, 9, 11}
    alive = np.flatnonzero(~dead)
    assert np.array_equal(fasttile.render(bank, dead="hide"), fasttile.render(bank, indices=alive))
    assert np.array_equal(fasttile.render(bank, dead="only"), fasttile.render(bank, indices=[7, 9, 11]))
    # an absolute threshold, with the order applied to what is left
    cut = float(np.sort(n)[20:22].mean())  # between two norms: no rounding tie
    keep = np.flatnonzero(~(constant | (n <= cut)))
    expected = fasttile.render(bank, indices=keep[np.argsort(-n[keep], kind="stable")])
    assert np.array_equal(fasttile.render(bank, dead=("hide", cut), order="norm"), expected)


def test_nonfinite_units_are_never_dead(bank):
    w = bank.copy()
    w[7, 0, 0] = np.nan  # zero tile with a NaN: shown (marked), not hidden
    got = fasttile.render(w, dead="only", nonfinite="mark")
    assert np.array_equal(got, fasttile.render(w, indices=[9, 11], nonfinite="mark"))


def test_bad_order_and_dead_are_named(bank):
    with pytest.raises(ValueError, match="order must be one of 'index', 'norm', 'variance', 'max_abs'"):
        fasttile.render(bank, order="l1")
    for bad in ("drop", ("hide", -1.0), ("hide", "x"), 3):
        with pytest.raises(ValueError, match="dead must be None, 'hide', 'only'"):
            fasttile.render(bank, dead=bad)
    with pytest.raises(ValueError, match="leaves no tiles to show"):
        fasttile.render(bank[7:8], dead="hide")
