"""`fasttile demo` promises a few seconds: its learning runs BLAS on one thread (a BLAS
pool over two busy cores made it 3-10x slower), and gives the pool back afterwards."""

import numpy as np
import pytest

from fasttile import demo

threadpoolctl = pytest.importorskip("threadpoolctl", reason="in the demo extra")
pytest.importorskip("matplotlib")
pytest.importorskip("PIL")


def blas_threads() -> int:
    return max(p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas")


def test_learning_uses_one_blas_thread(monkeypatch):
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        assert blas_threads() == 2  # otherwise this test could not tell
        seen = []
        real_svd = np.linalg.svd

        def svd(a, *args, **kwargs):
            seen.append(blas_threads())
            return real_svd(a, *args, **kwargs)

        monkeypatch.setattr(np.linalg, "svd", svd)
        filters = demo.learn_filters(n_filters=16, count=2000, iterations=3)
        assert filters.shape == (16, 8 * 8 * 3) and filters.dtype == np.float32
        assert seen == [1, 1, 1]
        assert blas_threads() == 2
