"""The display order of order="norm" / "variance" / "max_abs": largest first, equal keys
in index order, NaN last, exactly np.argsort(-key, kind="stable"), also above the size
where an unstable sort and a repair of the tied runs take over."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fasttile.tiling.selection import _UNSTABLE_FROM, descending_order

SPECIAL = [0.0, -0.0, 1.0, 2.5, np.inf, -np.inf, np.nan]


@settings(max_examples=60, deadline=None)
@given(
    size=st.sampled_from(
        [1, 2, 100, _UNSTABLE_FROM - 1, _UNSTABLE_FROM, _UNSTABLE_FROM + 7, 3 * _UNSTABLE_FROM]
    ),
    distinct=st.integers(1, 40),
    special=st.floats(0, 1),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_order_is_the_stable_descending_argsort(size, distinct, special, seed):
    rng = np.random.default_rng(seed)
    # few distinct values: long runs of ties; some specials: zeros of both signs, infinities, NaN
    key = rng.integers(0, distinct, size).astype(np.float64) * rng.random()
    spots = rng.random(size) < special * 0.3
    key[spots] = rng.choice(SPECIAL, int(spots.sum()))
    assert np.array_equal(descending_order(key), np.argsort(-key, kind="stable"))


def test_distinct_keys_of_many_units():
    key = np.random.default_rng(1).random(5 * _UNSTABLE_FROM)
    assert np.array_equal(descending_order(key), np.argsort(-key, kind="stable"))
