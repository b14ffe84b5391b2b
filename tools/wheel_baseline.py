"""Run by an installed fasttile under `qemu-x86_64 -cpu Nehalem` (tools/test_wheel.sh):
a CPU without AVX must get the SSE2 path, and every render must equal the NumPy
backend's bytes. An AVX instruction compiled outside the kernel's dispatch regions
(baseline code) would raise SIGILL here instead."""

from __future__ import annotations

import sys

import numpy as np


def main() -> int:
    import fasttile

    info = fasttile.simd_info()
    print(f"under emulation: {info}")
    assert info["backend"] == "native", info
    assert info["path"] == "sse2", f"expected the sse2 path on a CPU without AVX, got {info}"
    assert not any(p.startswith("avx") for p in info["supported"]), info

    rng = np.random.default_rng(7)
    cases = [
        (rng.standard_normal((40, 49)).astype(np.float32), {}),
        (rng.standard_normal((3 * 6 * 6, 20)), {"layout": "cols", "normalize": "global"}),
        (rng.standard_normal((8, 3, 5, 5)).astype(np.float16), {"zoom": 3, "order": "norm"}),
        (rng.standard_normal((3, 3, 3, 10)).astype(np.float32), {"layout": "hwio", "normalize": "symmetric"}),
        (rng.integers(-128, 128, (4, 6, 6, 3), dtype=np.int8), {"layout": "nhwc", "pad_value": (255, 0, 0)}),
        (rng.integers(0, 2**16, (12, 9, 9), dtype=np.uint16), {"fill": "columns", "padding": 2}),
        (rng.standard_normal((6, 2, 4, 4))[:, :, ::-1, :], {"channel": "mean"}),  # negative strides
    ]
    for i, (w, options) in enumerate(cases):
        native = fasttile.render(w, backend="native", **options)
        reference = fasttile.render(w, backend="numpy", **options)
        assert native.dtype == reference.dtype and native.shape == reference.shape, i
        assert np.array_equal(native, reference), f"case {i} ({w.dtype}, {options}) differs from numpy"
    print(f"baseline CPU: {len(cases)} renders byte-identical to the numpy backend")
    return 0


if __name__ == "__main__":
    sys.exit(main())
