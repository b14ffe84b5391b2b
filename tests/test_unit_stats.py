"""Per-unit statistics: the kernel equals the NumPy reference exactly (same summation
order) over generated banks, layouts, selections, SIMD paths and thread counts, and the
reference agrees with plain NumPy statistics over the finite values."""

import numpy as np
import pytest
from banks import banks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fasttile.kernel import native
from fasttile.kernel import numpy_backend as reference
from fasttile.kernel.arrays import as_weights
from fasttile.tiling.layout import resolve

pytestmark = pytest.mark.skipif(not native.available(), reason="compiled kernel not built")

SETTINGS = settings(
    deadline=None,
    max_examples=150,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


def view_of(arr, **kwargs):
    data, dtype = as_weights(arr)
    if kwargs.get("channel") != "split":
        kwargs.pop("channel", None)  # statistics read every channel of a unit
    kwargs.pop("bgr", None)
    return resolve(data, dtype, **kwargs)


def assert_same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype == np.float64
    assert np.array_equal(a, b, equal_nan=True), f"kernel\n{a}\nnumpy\n{b}"


@SETTINGS
@given(bank=banks(), threads=st.sampled_from([1, 2, 5]), select=st.booleans())
def test_generated_banks_match_reference(bank, threads, select):
    arr, kwargs = bank
    view = view_of(arr, **kwargs)
    indices = np.arange(view.units - 1, -1, -2, dtype=np.int64) if select else None
    ours = native.unit_stats(view, indices, threads)
    assert ours.shape == (view.units if indices is None else len(indices), 6)
    assert_same(ours, reference.unit_stats(view, indices))
    assert_same(native.unit_sq_norms(view, indices, threads), reference.unit_sq_norms(view, indices))


@settings(deadline=None, max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bank=banks(max_tiles=12))
def test_every_simd_path_matches_reference(simd_path, bank):
    arr, kwargs = bank
    view = view_of(arr, **kwargs)
    assert_same(native.unit_stats(view, None, 2), reference.unit_stats(view, None))


@pytest.mark.parametrize("layout", ["oihw", "hwio", "ohwi"])
def test_against_plain_numpy_statistics(layout):
    rng = np.random.default_rng(3)
    filters = (rng.standard_normal((40, 5, 3, 3)) * 0.1 + 1000.0).astype(np.float32)  # far from zero
    filters[2, 1, 1, 1] = np.nan
    filters[7] = np.inf
    stored = {"oihw": filters, "hwio": filters.transpose(2, 3, 1, 0), "ohwi": filters.transpose(0, 2, 3, 1)}
    view = view_of(np.ascontiguousarray(stored[layout]), layout=layout)
    stats = native.unit_stats(view, None, 2)
    flat = filters.reshape(40, -1).astype(np.float64)
    finite = np.isfinite(flat)
    for u in range(40):
        x = flat[u][finite[u]]
        assert stats[u, 5] == flat.shape[1] - len(x)
        if len(x) == 0:
            assert np.isnan(stats[u, 1:5]).all() and stats[u, 0] == 0.0
            continue
        np.testing.assert_allclose(stats[u, 0], (x * x).sum(), rtol=1e-12)
        np.testing.assert_allclose(stats[u, 1], x.mean(), rtol=1e-12)
        np.testing.assert_allclose(stats[u, 2], x.var(), rtol=1e-9)  # var ~1e-2 of values ~1e3
        assert stats[u, 3] == x.min() and stats[u, 4] == x.max()


def test_sum_sq_equals_norms_when_finite():
    w = np.random.default_rng(5).standard_normal((300, 4, 7, 7))
    view = view_of(w)
    assert np.array_equal(native.unit_stats(view, None, 3)[:, 0], native.unit_sq_norms(view, None, 3))


def test_one_unit_per_column_order_and_threads_do_not_matter():
    w = np.random.default_rng(9).standard_normal((3072, 500)).astype(np.float16)  # cols: 32x32 RGB
    view = view_of(w, layout="cols")
    one = native.unit_stats(view, None, 1)
    assert_same(one, native.unit_stats(view, None, 4))
    assert_same(one, reference.unit_stats(view, None))
    picked = np.array([499, 0, 250, 250], dtype=np.int64)
    assert_same(native.unit_stats(view, picked, 2), one[picked])


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_tiles_too_big_for_lanes_are_summed_one_at_a_time(dtype):
    rng = np.random.default_rng(11)
    w = (rng.standard_normal((5, 2, 70, 70)) * 3 + 7).astype(np.float32)  # 4900 values a tile
    w[1, 1, 3, 4] = np.nan
    if dtype == "bfloat16":
        ml_dtypes = pytest.importorskip("ml_dtypes")
        w = w.astype(ml_dtypes.bfloat16)
    view = view_of(w.astype(dtype) if dtype != "bfloat16" else w, layout="oihw", channel="split")
    assert_same(native.unit_stats(view, None, 2), reference.unit_stats(view, None))
    assert_same(native.unit_sq_norms(view, None, 2), reference.unit_sq_norms(view, None))
