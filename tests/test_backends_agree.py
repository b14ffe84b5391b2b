"""The compiled kernel equals the NumPy reference byte for byte: over generated banks
(every dtype, layout, memory arrangement, option), on every SIMD path and thread count."""

import numpy as np
import pytest
from banks import banks, options
from conftest import assert_backends_agree
from hypothesis import HealthCheck, given, settings


def common(examples):
    return settings(
        deadline=None,
        max_examples=examples,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


@common(400)
@given(bank=banks(), opts=options())
def test_generated_banks_match_reference(bank, opts):
    arr, kwargs = bank
    assert_backends_agree(arr, **kwargs, **opts)


@common(60)
@given(bank=banks(max_tiles=20), opts=options())
def test_every_simd_path_matches_reference(simd_path, bank, opts):
    arr, kwargs = bank
    assert_backends_agree(arr, **kwargs, **opts)


@pytest.mark.parametrize("threads", [1, 2, 7])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_thread_counts_match_reference(simd_path, threads, dtype):
    rng = np.random.default_rng(7)
    # large enough that the kernel really starts several threads
    w = rng.standard_normal((3000, 300)).astype(dtype)
    w[5, 7] = np.nan
    for normalize in ("tile", "global", "symmetric"):
        assert_backends_agree(
            w, tile_shape=(10, 10, 3), threads=threads, normalize=normalize, nonfinite="mark"
        )


@pytest.mark.parametrize("n", [1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65])
def test_lengths_around_vector_widths(simd_path, n):
    rng = np.random.default_rng(n)
    for dtype in ("float32", "float64", "float16"):
        w = (rng.standard_normal((3, n)) * 5).astype(dtype)
        assert_backends_agree(w, tile_shape=(1, n))
        w[1, n // 2] = np.inf
        assert_backends_agree(w, tile_shape=(1, n), nonfinite="mark")


def test_misaligned_rows_every_path(simd_path):
    raw = np.zeros(4 * 50 * 64 + 3, dtype=np.uint8)
    w = raw[3:].view(np.float32).reshape(50, 64)
    w[...] = np.random.default_rng(1).standard_normal((50, 64))
    assert_backends_agree(w)
