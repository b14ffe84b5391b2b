"""Which backend draws (the compiled kernel, or the NumPy reference as a fallback) and
with how many threads."""

from __future__ import annotations

import os
import warnings
from typing import Any, Optional

from . import native, numpy_backend


def default_threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


_warned_fallback = False


def pick(name: str) -> Any:
    global _warned_fallback
    if name == "numpy":
        return numpy_backend
    if name not in ("auto", "native"):
        raise ValueError(f"backend must be 'auto', 'native' or 'numpy', got {name!r}")
    if native.available():
        return native
    if name == "native":
        raise ImportError(f"the compiled fasttile kernel cannot be imported: {native.IMPORT_ERROR}")
    if not _warned_fallback:
        _warned_fallback = True
        warnings.warn(
            f"fasttile: the compiled kernel cannot be imported ({native.IMPORT_ERROR}); "
            "using the much slower NumPy backend",
            RuntimeWarning,
            stacklevel=3,
        )
    return numpy_backend


def thread_count(threads: Optional[int]) -> int:
    if threads is None:
        return default_threads()
    if not hasattr(threads, "__index__") or isinstance(threads, bool):
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    n = int(threads.__index__())
    if n < 1:
        raise ValueError(f"threads must be at least 1, got {n}")
    return min(n, 1024)


def simd_info() -> dict:
    """Which kernel runs: the backend, the SIMD path in use, the paths this CPU
    supports (widest first) and the default thread count. Set FASTTILE_SIMD to a
    supported path name before import to force a narrower one."""
    info = {"backend": "numpy", "path": None, "supported": [], "threads": default_threads()}
    core = native._core
    if core is not None:
        info.update(backend="native", path=core.simd_path(), supported=list(core.simd_paths()))
    return info
