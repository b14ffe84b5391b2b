"""A global range scanned from the same values (issue 20): when the scan meets no
non-finite value, every value lies inside the range, so the kernel draws without
ranging any tile again (Plan.scanned, Normalization::scanned). The bytes must be those
of the same range drawn without the hint, and the NumPy reference's, on every SIMD
path, for every reading strategy: tiles in place, gathered, RGB planes, lanes."""

from dataclasses import replace

import numpy as np
import pytest
from conftest import assert_backends_agree

import fasttile
from fasttile.kernel import native
from fasttile.tiling.prepare import prepare

pytestmark = pytest.mark.skipif(not native.available(), reason="compiled kernel not built")


def _misaligned(w: np.ndarray) -> np.ndarray:
    """The same float32 values one byte off their alignment."""
    raw = np.zeros(w.nbytes + 1, np.uint8)
    arr = raw[1:].view(np.float32).reshape(w.shape)
    arr[...] = w
    return arr


# (layout, bank): the strategies a global range is drawn through.
BANKS = [
    ("rows", lambda r: r.standard_normal((23, 3 * 12 * 12)).astype(np.float32)),  # RGB tiles in place
    ("rows", lambda r: r.standard_normal((40, 4096)).astype(np.float32)),  # long tiles, more than 4 KB
    ("oihw", lambda r: r.standard_normal((37, 3, 14, 14)).astype(np.float32)),  # RGB planes
    ("oihw", lambda r: _misaligned(r.standard_normal((9, 3, 5, 5)).astype(np.float32))),
    ("oihw", lambda r: r.standard_normal((70, 8, 3, 3)).astype(np.float32)),  # 3x3 lanes
    ("oihw", lambda r: r.standard_normal((21, 5, 5, 5)).astype(np.float32)[:, :, ::-1]),  # gathered
    ("hwio", lambda r: r.standard_normal((3, 3, 6, 40)).astype(np.float32)),  # adjacent units
    ("cols", lambda r: r.standard_normal((81, 50)).astype(np.float32)),
    ("rows", lambda r: r.standard_normal((30, 64)).astype(np.float16)),
    ("rows", lambda r: r.standard_normal((19, 3 * 8 * 8))),  # float64
    ("oihw", lambda r: r.standard_normal((20, 6, 3, 3))),  # float64 lanes
]


@pytest.mark.parametrize("normalize", ["global", "global-symmetric"])
@pytest.mark.parametrize("case", range(len(BANKS)))
def test_a_scanned_range_draws_the_bytes_of_the_range_alone_every_path(simd_path, case, normalize):
    layout, make = BANKS[case]
    w = make(np.random.default_rng(case)) * 3 + 0.5
    prep = prepare(w, layout=layout, normalize=normalize, threads=2, backend="native")
    assert prep.plan.scanned and prep.plan.kernel_mode.startswith("scanned-")
    drawn, without_hint = (np.full(prep.shape, 7, np.uint8) for _ in range(2))
    native.render(prep.view, prep.selection, prep.plan, drawn)
    native.render(prep.view, prep.selection, replace(prep.plan, scanned=False), without_hint)
    assert np.array_equal(drawn, without_hint)
    assert_backends_agree(w, layout=layout, normalize=normalize, threads=2)
    assert_backends_agree(w, layout=layout, normalize=normalize, threads=1, order="norm")


def test_only_a_scan_that_met_no_non_finite_value_marks_the_plan():
    w = np.random.default_rng(3).standard_normal((12, 25)).astype(np.float32)
    kinds = {
        "global": (prepare(w, layout="rows", normalize="global"), "scanned-range"),
        "global-symmetric": (prepare(w, layout="rows", normalize="global-symmetric"), "scanned-symmetric"),
        "value_range": (prepare(w, layout="rows", value_range=(-1.0, 1.0)), "range"),
        "tile": (prepare(w, layout="rows"), "tile"),
    }
    spoiled = w.copy()
    spoiled[4, 7] = np.inf
    kinds["marked"] = (prepare(spoiled, layout="rows", normalize="global", nonfinite="mark"), "range")
    for name, (prep, mode) in kinds.items():
        assert prep.plan.kernel_mode == mode, name
        assert prep.plan.scanned == mode.startswith("scanned-"), name
    assert_backends_agree(spoiled, layout="rows", normalize="global", nonfinite="mark")


def test_a_mosaic_changed_after_its_scan_is_drawn_as_render_draws_it():
    """A mosaic's global range is scanned when it is made; its parts are drawn later, so
    they never take the hint: values changed since are clamped, or reported."""
    w = np.random.default_rng(5).standard_normal((40, 3, 6, 6)).astype(np.float32)
    native_mosaic = fasttile.mosaic(w, layout="oihw", normalize="global")
    reference = fasttile.mosaic(w, layout="oihw", normalize="global", backend="numpy")
    w[3] *= 1e12  # far outside the scanned range: past what a level can hold before its clamp
    w[7] = -w[7] * 1e3
    assert np.array_equal(
        native_mosaic.render_rows(0, native_mosaic.nrows), reference.render_rows(0, reference.nrows)
    )
    w[11, 0, 2, 2] = np.nan
    for m in (native_mosaic, reference):
        with pytest.raises(ValueError, match="in tile 11"):
            m.render_rows(0, m.nrows)
