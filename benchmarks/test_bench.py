"""pytest-benchmark groups, one per workload: fasttile, the NumPy backend and (when
installed) torchvision and scikit-image side by side, each asserting its picture
matches fasttile's. Large workloads run at 1/8 size here; compare.py runs them whole.

    python -m pytest benchmarks --benchmark-only
"""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from workloads import WORKLOADS, close_enough, skimage_render, torchvision_render  # noqa: E402

import fasttile  # noqa: E402

SCALE = 0.125


@pytest.fixture(scope="module", params=WORKLOADS, ids=lambda w: f"{w.key}-{w.name}")
def case(request):
    w = request.param
    bank = w.make(scale=SCALE if w.large else 1.0)
    return w, bank, fasttile.render(bank, **w.render_kwargs())


def _group(benchmark, w):
    benchmark.group = f"{w.key} {w.name}"


def test_fasttile(benchmark, case):
    w, bank, expected = case
    _group(benchmark, w)
    out = benchmark(fasttile.render, bank, **w.render_kwargs())
    assert np.array_equal(out, expected)


def test_fasttile_one_thread(benchmark, case):
    w, bank, expected = case
    _group(benchmark, w)
    out = benchmark(fasttile.render, bank, threads=1, **w.render_kwargs())
    assert np.array_equal(out, expected)


def test_numpy_backend(benchmark, case):
    w, bank, expected = case
    _group(benchmark, w)
    out = benchmark.pedantic(fasttile.render, (bank,), {"backend": "numpy", **w.render_kwargs()}, rounds=3)
    assert np.array_equal(out, expected)


def test_torchvision(benchmark, case):
    pytest.importorskip("torchvision")
    w, bank, expected = case
    _group(benchmark, w)
    out = benchmark.pedantic(torchvision_render, (w, bank), rounds=3)
    ok, how = close_enough(expected, out)
    assert ok, how


def test_skimage(benchmark, case):
    pytest.importorskip("skimage")
    w, bank, expected = case
    if w.large:
        pytest.skip("scikit-image loops over tiles in Python: too slow for the large workloads here")
    _group(benchmark, w)
    out = benchmark.pedantic(skimage_render, (w, bank), rounds=3)
    ok, how = close_enough(expected, out)
    assert ok, how
