"""Fuzzing render() against the NumPy oracle over its whole argument space: every
case ends in the same clean ValueError / TypeError / IndexError from both backends,
or in byte-identical mosaics. This is the bounded run; tools/fuzz.py is the long one.
Findings are kept below as regression tests."""

import numpy as np
import pytest
from banks import fuzz_cases
from conftest import assert_backends_agree
from hypothesis import HealthCheck, given, settings

import fasttile


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(case=fuzz_cases())
def test_fuzz_against_oracle(case):
    arr, kwargs = case
    assert_backends_agree(arr, **kwargs)


# Regressions found while building the harness.


def test_channel_mean_of_huge_values_does_not_overflow():
    # found by the generator: the mean of +-3e38 values overflowed to -inf and was
    # then reported as a non-finite weight
    w = np.array([[[[8.2e37, -1.38e38]], [[-2.75e38, -2.9e38]]]], dtype=np.float32)
    img = assert_backends_agree(w, channel="mean", padding=0)
    assert img.tolist() == [[255, 0]]


def test_norm_order_with_two_channel_filters():
    # found by the generator: norms over a 2-channel view were refused by the 1-or-3 rule
    w = np.random.default_rng(0).standard_normal((5, 2, 3, 3)).astype(np.float32)
    assert_backends_agree(w, channel="mean", order="norm")


def test_norm_order_with_overflowing_norms():
    w = np.full((3, 4), 1.5e308)
    assert_backends_agree(w, order="norm")


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 0.0, -0.0, 3e38, -3e38, 1e-45])
def test_single_special_value_tiles(value):
    w = np.full((2, 4), value, dtype=np.float32)
    w[1, 0] = 1.0
    assert_backends_agree(w, nonfinite="mark")
    assert_backends_agree(w, normalize="global", nonfinite="mark")
    assert_backends_agree(w, normalize="global-symmetric", nonfinite="mark")


def test_zero_stride_bank():
    w = np.broadcast_to(np.arange(9, dtype=np.float32), (1000, 9))
    img = assert_backends_agree(w)
    assert img.shape == (32 * 4 + 1, 32 * 4 + 1)


def test_empty_indices_message_is_the_same_on_both_backends():
    w = np.zeros((4, 9), np.float32)
    for backend in ("native", "numpy"):
        with pytest.raises(ValueError, match="selects no tiles"):
            fasttile.render(w, indices=np.array([], dtype=np.int64), backend=backend)
