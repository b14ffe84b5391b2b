"""fasttile.mosaic: every strip, row band and pixel region equals the same pixels of
render(), byte for byte, whatever the layout, fill, selection, order and range."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fasttile


def _bank(rng, layout, units, channels, h, w):
    if layout == "rows":
        return rng.standard_normal((units, h * w * channels)).astype(np.float32)
    if layout == "cols":
        return rng.standard_normal((h * w * channels, units)).astype(np.float32)
    if layout == "oihw":
        return rng.standard_normal((units, channels, h, w)).astype(np.float32)
    return rng.standard_normal((h, w, channels, units)).astype(np.float32)  # hwio


OPTIONS = st.fixed_dictionaries(
    {
        "fill": st.sampled_from(["rows", "columns"]),
        "padding": st.integers(0, 3),
        "zoom": st.integers(1, 2),
        "normalize": st.sampled_from(["tile", "global", "symmetric", "global-symmetric"]),
        "order": st.sampled_from(["index", "norm"]),
        "pad_value": st.sampled_from([0, 200, (255, 0, 30)]),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layout=st.sampled_from(["rows", "cols", "oihw", "hwio"]),
    units=st.integers(1, 40),
    channels=st.sampled_from([1, 3, 4]),
    side=st.integers(1, 5),
    ncols=st.one_of(st.none(), st.integers(1, 9)),
    options=OPTIONS,
    rows=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_strips_equal_render(layout, units, channels, side, ncols, options, rows, seed):
    rng = np.random.default_rng(seed)
    if layout in ("rows", "cols") and channels == 4:
        channels = 3
    bank = _bank(rng, layout, units, channels, side, side + 1)
    kwargs = dict(options, layout=layout, ncols=ncols)
    if layout in ("rows", "cols"):
        kwargs["tile_shape"] = (side, side + 1, channels)
    full = fasttile.render(bank, **kwargs)
    m = fasttile.mosaic(bank, **kwargs)
    assert m.shape == full.shape
    pieces = list(m.strips(rows))
    assert [y for y, _ in pieces] == list(range(0, m.nrows * m.cell_height, rows * m.cell_height))
    assert np.array_equal(np.concatenate([p for _, p in pieces]), full)
    # a random rectangle
    y0, x0 = (int(rng.integers(0, n)) for n in full.shape[:2])
    y1, x1 = int(rng.integers(y0 + 1, full.shape[0] + 1)), int(rng.integers(x0 + 1, full.shape[1] + 1))
    assert np.array_equal(m.render_region(y0, y1, x0, x1), full[y0:y1, x0:x1])


@pytest.mark.parametrize("channel", ["split", None])
def test_split_channels_that_cannot_be_flattened(channel):
    # every other filter of an OIHW bank, then the channel axis reversed: unit and
    # channel strides are no multiple of each other, so windows gather a copy
    bank = np.random.default_rng(1).standard_normal((20, 5, 3, 3)).astype(np.float32)[::2, ::-1]
    full = fasttile.render(bank, channel=channel, ncols=3)
    m = fasttile.mosaic(bank, channel=channel, ncols=3)
    for rows in (1, 2, 4):
        assert np.array_equal(np.concatenate([p for _, p in m.strips(rows)]), full)
    assert np.array_equal(m.render_region(3, 17, 5, 11), full[3:17, 5:11])


def test_selection_and_top_with_split_channels_misaligned_rows():
    bank = np.random.default_rng(2).standard_normal((12, 5, 4, 4)).astype(np.float32)
    opts = dict(channel="split", ncols=3, indices=[9, 2, 2, 7, 0], order="norm", top=4, fill="rows")
    full = fasttile.render(bank, **opts)
    m = fasttile.mosaic(bank, **opts)
    assert np.array_equal(np.concatenate([p for _, p in m.strips(1)]), full)
    assert list(m.units) == list(fasttile.tiling.render.render_detailed(bank, **opts).selection)


def test_hand_picked_geometry():
    bank = np.arange(7 * 4, dtype=np.float32).reshape(7, 4)  # seven 2x2 gray tiles
    m = fasttile.mosaic(bank, ncols=3, padding=2, zoom=3)
    assert (m.nrows, m.ncols, m.tile_height, m.cell_height, m.cell_width) == (3, 3, 6, 8, 8)
    assert m.shape == (3 * 8 + 2, 3 * 8 + 2)
    assert m.pixel_rows(0, 1) == (0, 8) and m.pixel_rows(2, 3) == (16, 26)
    assert m.cell_of_tile(4) == (1, 1) and m.tile_at(2, 0) == 6 and m.tile_at(2, 1) is None
    full = fasttile.render(bank, ncols=3, padding=2, zoom=3)
    last = m.render_rows(2, 3)
    assert np.array_equal(last, full[16:])
    assert (last[2:8, 10:] == 0).all()  # the empty cells are padding
    with pytest.raises(ValueError, match="grid rows"):
        m.render_rows(2, 2)
    with pytest.raises(ValueError, match="outside"):
        m.render_region(0, 27, 0, 5)


def test_out_buffers_and_errors():
    bank = np.random.default_rng(3).standard_normal((10, 27)).astype(np.float32)
    m = fasttile.mosaic(bank)
    full = fasttile.render(bank)
    out = np.zeros((m.cell_height * 2, m.shape[1], 3), np.uint8)
    assert m.render_rows(0, 2, out=out) is out and np.array_equal(out, full[: 2 * m.cell_height])
    with pytest.raises(ValueError, match="out must have shape"):
        m.render_rows(0, 1, out=np.zeros((3, 3), np.uint8))
    with pytest.raises(TypeError, match="out must be a uint8 array, got dtype float32"):
        m.render_band(0, 1, out=np.zeros(m.band_shape(0, 1), np.float32))
    with pytest.raises(TypeError, match="render_rows"):
        fasttile.mosaic(bank, out=full)
    with pytest.raises(ValueError, match="rows must be a positive integer"):
        next(m.strips(0))


def test_nonfinite_in_a_strip_names_the_unit():
    bank = np.random.default_rng(4).standard_normal((16, 9)).astype(np.float32)
    bank[13, 4] = np.nan
    m = fasttile.mosaic(bank)
    assert m.render_rows(0, 1).shape[0] == m.cell_height  # rows without the NaN render
    with pytest.raises(ValueError, match="in tile 13;"):
        m.render_rows(3, 4)


def test_global_range_is_scanned_once(monkeypatch):
    from fasttile.kernel import native as _native_backend

    calls = []
    original = _native_backend.scan_range
    monkeypatch.setattr(_native_backend, "scan_range", lambda *a: calls.append(1) or original(*a))
    bank = np.random.default_rng(5).standard_normal((64, 16)).astype(np.float32)
    m = fasttile.mosaic(bank, layout="rows", normalize="global")  # rows: (64, 16) would hint cols
    assert np.array_equal(
        np.concatenate([p for _, p in m.strips(1)]), fasttile.render(bank, layout="rows", normalize="global")
    )
    assert len(calls) == 2  # once for the mosaic, once for the reference render
