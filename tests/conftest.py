import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))  # tests import banks.py

import fasttile  # noqa: E402

PATHS = fasttile.simd_info()["supported"]


@pytest.fixture(params=PATHS)
def simd_path(request):
    """Runs the test once per SIMD path this CPU supports."""
    from fasttile.kernel import _core

    _core.select_simd(request.param)
    try:
        yield request.param
    finally:
        _core.select_simd("auto")


def render_both(weights, **kwargs):
    """(native, numpy) results, or the exception each raised."""
    results = []
    for backend in ("native", "numpy"):
        try:
            results.append(fasttile.render(weights, backend=backend, **kwargs))
        except (ValueError, TypeError, IndexError) as exc:
            results.append(exc)
    return results


def assert_backends_agree(weights, **kwargs):
    native, reference = render_both(weights, **kwargs)
    if isinstance(reference, Exception) or isinstance(native, Exception):
        assert type(native) is type(reference), f"native {native!r} vs numpy {reference!r}"
        assert str(native) == str(reference)
        return None
    assert native.shape == reference.shape and native.dtype == reference.dtype == np.uint8
    if not np.array_equal(native, reference):
        diff = np.argwhere(native != reference)
        raise AssertionError(
            f"{len(diff)} pixels differ, first at {diff[0].tolist()}: "
            f"native {native[tuple(diff[0])]} numpy {reference[tuple(diff[0])]}"
        )
    return native
