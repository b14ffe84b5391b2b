"""render's fast path (fasttile/_fast_path.py) draws exactly what the full path draws,
and declines every call it cannot vouch for, so that the full path raises or warns
exactly as before."""

import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fasttile
from fasttile.kernel import backends
from fasttile.tiling import fast_path as _fast_path
from fasttile.tiling import render as _render
from fasttile.tiling.hints import LayoutWarning, hint_for

W = np.random.default_rng(0).standard_normal((4, 9)).astype(np.float32)  # 4 gray 3x3 tiles: a 9x9 mosaic


def without_fast_path(weights, **options):
    """render as it was before the fast path existed."""
    with mock.patch.object(_render, "render_fast", lambda weights, options: None):
        return fasttile.render(weights, **options)


@pytest.fixture
def fast_calls(monkeypatch):
    """One entry per render call: True when the fast path produced the picture."""
    taken = []
    original = _fast_path.render_fast

    def counting(weights, options):
        image = original(weights, options)
        taken.append(image is not None)
        return image

    monkeypatch.setattr(_render, "render_fast", counting)
    return taken


def outcome(call):
    """The picture (or exception type and message) and the warnings of a call."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            image = call()
            result = ("image", image.shape, image.dtype, image.tobytes())
        except Exception as exc:  # every exception: compared by type and message
            result = (type(exc), str(exc))
    return result, [(w.category, str(w.message)) for w in caught]


def bank(rng, dtype, shape):
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    x = rng.standard_normal(shape) * rng.choice([1e-3, 1.0, 100.0])
    x[: rng.integers(0, 2)] = 0.25  # sometimes a constant unit
    return x.astype(dtype)


@st.composite
def small_banks(draw):
    """(bank, options that fit it): a few small tiles in any dtype and memory order."""
    ndim = draw(st.sampled_from([2, 3, 4]))
    side = lambda: draw(st.integers(1, 4))  # noqa: E731
    n = draw(st.integers(1, 7))
    options = {}
    if ndim == 2:
        h, c = side(), draw(st.sampled_from([1, 3]))
        shape = (n, h * h * c)
        if draw(st.booleans()):
            options["tile_shape"] = (h, h, c) if c == 3 or draw(st.booleans()) else (h, h)
    elif ndim == 3:
        shape = (n, side(), side())
    else:
        shape = (n, draw(st.sampled_from([1, 2, 3])), side(), side())
    dtype = draw(st.sampled_from(["float16", "float32", "float64", "int8", "uint8", "bool"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    arr = bank(rng, dtype, shape)
    arrangement = draw(st.sampled_from(["c", "reversed", "every_other", "fortran"]))
    if arrangement == "reversed":
        arr = arr[::-1]
    elif arrangement == "every_other":
        arr = np.repeat(arr, 2, axis=0)[::2]
    elif arrangement == "fortran":
        arr = np.asfortranarray(arr)
    return arr, options


SCALES = st.one_of(
    st.just({}),
    st.fixed_dictionaries(
        {"normalize": st.sampled_from(["tile", "symmetric", "global", "global-symmetric"])}
    ),
    st.fixed_dictionaries({"value_range": st.sampled_from([(0, 1), (-1.5, 2.0), (-0.0, 0.5), (-100, 100)])}),
)
OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "zoom": st.integers(1, 3),
        "padding": st.integers(0, 2),
        "fill": st.sampled_from(["rows", "columns"]),
        "nonfinite": st.sampled_from(["raise", "mark"]),
        "pad_value": st.one_of(st.integers(0, 255), st.tuples(*[st.integers(0, 255)] * 3)),
        "ncols": st.integers(1, 8),
        "order": st.sampled_from(["index", "norm", "variance", "max_abs"]),
    },
)


@settings(max_examples=200, deadline=None)
@given(bank_options=small_banks(), scale=SCALES, options=OPTIONS, with_out=st.booleans())
def test_fast_and_full_paths_draw_the_same_bytes(bank_options, scale, options, with_out):
    arr, tile_options = bank_options
    options = {**tile_options, **scale, **options}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LayoutWarning)
        expected = without_fast_path(arr, **options)
    out = np.full(expected.shape, 7, np.uint8) if with_out else None
    image = _fast_path.render_fast(arr, {**options, "out": out} if with_out else options)
    if hint_for(arr.shape) is not None and "tile_shape" not in options:
        assert image is None  # the shape warns: the full path draws it, warning each time
        return
    assert image is not None, "the fast path declined a plain small render"
    assert image.dtype == np.uint8 and image.shape == expected.shape
    assert image.tobytes() == expected.tobytes()
    if with_out:
        assert image is out


def test_option_keys_tell_apart_what_the_checks_tell_apart():
    plain = _fast_path._plain
    assert plain(True) != plain(1) and plain(0.0) != plain(-0.0) and plain(1) != plain(1.0)
    assert plain((1, 2)) != plain((1, 2.0)) and plain((True, 0, 0)) != plain((1, 0, 0))
    assert plain([1, 2]) is None and plain(np.int64(1)) is None and plain(np.float32(1)) is None
    assert plain((1, [2])) is None and plain((1, 2, 3, 4)) is None


def test_plain_render_takes_the_fast_path(fast_calls):
    out = np.empty((9, 9), np.uint8)
    first = fasttile.render(W)
    assert fasttile.render(W, out=out) is out
    fasttile.render(W.astype(np.float64), zoom=2, padding=0)
    assert fast_calls == [True, True, True]
    assert np.array_equal(first, out) and np.array_equal(first, without_fast_path(W))


def test_global_ranges_and_orders_replay_their_pass_per_call(fast_calls):
    """The plan is learnt once per shape; the range and the order come from each call's values."""
    rng = np.random.default_rng(4)
    banks = [rng.standard_normal((6, 16)).astype(np.float32) * scale for scale in (1.0, 1e-3, 50.0)]
    replayed = (
        {"normalize": "global"},
        {"order": "norm"},
        {"order": "variance", "normalize": "global-symmetric"},
    )
    for options in replayed:
        for w in banks:
            assert np.array_equal(fasttile.render(w, **options), without_fast_path(w, **options))
    assert fast_calls == [True] * 9


def test_a_non_finite_value_under_a_global_range_takes_the_full_path(fast_calls):
    w = np.random.default_rng(6).standard_normal((6, 16)).astype(np.float32)
    fasttile.render(w, normalize="global")
    w[3, 5] = np.nan
    expected = outcome(lambda: without_fast_path(w, normalize="global"))
    assert outcome(lambda: fasttile.render(w, normalize="global")) == expected
    assert expected[0][0] is ValueError and fast_calls == [True, False]
    marked = fasttile.render(w, normalize="global", nonfinite="mark")
    assert np.array_equal(marked, without_fast_path(w, normalize="global", nonfinite="mark"))


class Sub(np.ndarray):
    pass


def read_only(arr):
    arr = arr.copy()
    arr.flags.writeable = False
    return arr


def memmap_of(tmp_path, arr):
    mm = np.lib.format.open_memmap(tmp_path / "w.npy", mode="w+", dtype=arr.dtype, shape=arr.shape)
    mm[...] = arr
    return mm


def nan_bank():
    w = W.copy()
    w[2, 4] = np.nan
    return w


def overlapping():
    buf = np.zeros(256, np.uint8)
    return buf[:36].reshape(4, 9), {"out": buf[10:91].reshape(9, 9)}


# (weights, options, whether the fast path may draw it): every case ends exactly as on the full path.
CASES = {
    "out dtype": lambda tmp: (W, {"out": np.zeros((9, 9), np.float32)}, False),
    "out shape": lambda tmp: (W, {"out": np.zeros((9, 8), np.uint8)}, False),
    "out rgb shape": lambda tmp: (W, {"out": np.zeros((9, 9, 3), np.uint8)}, False),
    "out reversed": lambda tmp: (W, {"out": np.zeros((9, 9), np.uint8)[:, ::-1]}, False),
    "out row slice": lambda tmp: (W, {"out": np.zeros((20, 9), np.uint8)[5:14]}, True),
    "out wider rows": lambda tmp: (W, {"out": np.zeros((9, 12), np.uint8)[:, :9]}, False),
    "out list": lambda tmp: (W, {"out": [[0] * 9] * 9}, False),
    "out read-only": lambda tmp: (W, {"out": read_only(np.zeros((9, 9), np.uint8))}, False),
    "out memmap": lambda tmp: (W, {"out": memmap_of(tmp, np.zeros((9, 9), np.uint8))}, False),
    "out subclass": lambda tmp: (W, {"out": np.zeros((9, 9), np.uint8).view(Sub)}, False),
    "out overlaps": lambda tmp: (*overlapping(), False),
    "out None": lambda tmp: (W, {"out": None}, True),
    "nan": lambda tmp: (nan_bank(), {}, False),
    "nan out": lambda tmp: (nan_bank(), {"out": np.zeros((9, 9), np.uint8)}, False),
    "nan marked": lambda tmp: (nan_bank(), {"nonfinite": "mark"}, True),
    "1-D": lambda tmp: (np.zeros(9, np.float32), {}, False),
    "5-D": lambda tmp: (np.zeros((1, 1, 1, 3, 3), np.float32), {}, False),
    "empty": lambda tmp: (np.zeros((0, 9), np.float32), {}, False),
    "no tile shape": lambda tmp: (np.zeros((4, 10), np.float32), {}, False),
    "object": lambda tmp: (W.astype(object), {}, False),
    "complex": lambda tmp: (W.astype(complex), {}, False),
    "big-endian": lambda tmp: (W.astype(">f4"), {}, False),
    "subclass": lambda tmp: (W.view(Sub), {}, False),
    "read-only weights": lambda tmp: (read_only(W), {}, True),
    "non-contiguous weights": lambda tmp: (np.repeat(W, 2, axis=1)[:, ::2], {}, True),
    "memmap": lambda tmp: (memmap_of(tmp, W), {}, False),
    "list": lambda tmp: (W.tolist(), {}, False),
    "layout warning": lambda tmp: (np.zeros((48, 4), np.float32), {}, False),
    "layout warning answered": lambda tmp: (np.zeros((48, 4), np.float32), {"layout": "rows"}, True),
    "layout warning tile_shape": lambda tmp: (np.zeros((48, 4), np.float32), {"tile_shape": (2, 2)}, True),
    "zoom 0": lambda tmp: (W, {"zoom": 0}, False),
    "zoom True": lambda tmp: (W, {"zoom": True}, False),
    "zoom float": lambda tmp: (W, {"zoom": 2.0}, False),
    "zoom numpy int": lambda tmp: (W, {"zoom": np.int64(2)}, False),
    "padding -1": lambda tmp: (W, {"padding": -1}, False),
    "threads 0": lambda tmp: (W, {"threads": 0}, False),
    "threads 1": lambda tmp: (W, {"threads": 1}, True),
    "grid too small": lambda tmp: (W, {"nrows": 1, "ncols": 3}, False),
    "backend gpu": lambda tmp: (W, {"backend": "gpu"}, False),
    "backend numpy": lambda tmp: (W, {"backend": "numpy"}, False),
    "layout xyz": lambda tmp: (W, {"layout": "xyz"}, False),
    "misspelt": lambda tmp: (W, {"zom": 2}, False),
    "normalize global": lambda tmp: (W, {"normalize": "global"}, True),  # the scan replayed per call
    "nan global": lambda tmp: (nan_bank(), {"normalize": "global"}, False),
    "normalize none": lambda tmp: (W, {"normalize": "none"}, False),
    "value_range": lambda tmp: (W, {"normalize": "none", "value_range": (-1, 1)}, True),
    "value_range floats": lambda tmp: (W, {"value_range": (-0.5, 2.0)}, True),
    "value_range list": lambda tmp: (W, {"value_range": [-1, 1]}, False),
    "value_range numpy": lambda tmp: (W, {"value_range": (np.float32(-1), np.float32(1))}, False),
    "value_range reversed": lambda tmp: (W, {"value_range": (1, 0)}, False),
    "value_range nan": lambda tmp: (W, {"value_range": (0.0, float("nan"))}, False),
    "value_range with tile": lambda tmp: (W, {"normalize": "tile", "value_range": (0, 1)}, False),
    "pad_value triple": lambda tmp: (W, {"pad_value": (255, 0, 0)}, True),
    "pad_value bools": lambda tmp: (W, {"pad_value": (True, 0, 0)}, False),
    "pad_value pair": lambda tmp: (W, {"pad_value": (1, 2)}, False),
    "tile_shape": lambda tmp: (W, {"tile_shape": (3, 3)}, True),
    "tile_shape wrong": lambda tmp: (W, {"tile_shape": (3, 4)}, False),
    "tile_shape list": lambda tmp: (W, {"tile_shape": [3, 3]}, False),
    "tile_shape 3-D": lambda tmp: (np.zeros((4, 3, 3), np.float32), {"tile_shape": (3, 3)}, False),
    "indices": lambda tmp: (W, {"indices": [3, 1]}, False),
    "order": lambda tmp: (W, {"order": "norm"}, True),  # the norms replayed per call
    "order unknown": lambda tmp: (W, {"order": "size"}, False),
    "order with top": lambda tmp: (W, {"order": "norm", "top": 2}, False),
    "nan order": lambda tmp: (nan_bank(), {"order": "norm"}, False),
    "huge zoom": lambda tmp: (W, {"zoom": 2**40}, False),
    "big mosaic": lambda tmp: (W, {"zoom": 200}, True),  # threads counted per call
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_other_input_ends_as_on_the_full_path(case, tmp_path, fast_calls):
    weights, options, may_be_fast = CASES[case](tmp_path)
    # each path gets its own out= (a copy of the same kind), so neither sees the other's pixels
    first_options = {**options, "out": _copy_out(options["out"])} if "out" in options else options
    expected = outcome(lambda: without_fast_path(weights, **first_options))
    assert outcome(lambda: fasttile.render(weights, **options)) == expected
    assert fast_calls == [may_be_fast]
    if may_be_fast:  # the second call replays the cached plan and still agrees
        assert outcome(lambda: fasttile.render(weights, **options)) == expected
        assert fast_calls == [True, True]


def _copy_out(out):
    if isinstance(out, np.memmap) or not isinstance(out, np.ndarray) or out.base is not None:
        return out  # a file, a list or a view of a larger buffer: the same object serves both calls
    copy = out.copy()
    copy.flags.writeable = out.flags.writeable
    return copy.view(type(out))


def torch_cases(torch):
    t = torch.from_numpy(W.copy())

    class Sub(torch.Tensor):
        pass

    return {  # name: (tensor, whether the fast path may draw it)
        "tensor": (t, True),
        "parameter": (torch.nn.Parameter(t.clone()), True),
        "transposed": (t.T, True),
        "int8": (t.mul(50).to(torch.int8), True),
        "negative view": (torch.ops.aten._neg_view(t), True),
        "nan": (t.clone().fill_(float("nan")), False),
        "bfloat16": (t.to(torch.bfloat16), False),
        "complex": (t.to(torch.complex64), False),
        "meta": (torch.empty(4, 9, device="meta"), False),
        "sparse": (t.to_sparse(), False),
        "subclass": (t.as_subclass(Sub), False),
        "1-D": (t.flatten(), False),
    }


@pytest.mark.parametrize(
    "case",
    ["tensor", "parameter", "transposed", "int8", "negative view", "nan"]
    + ["bfloat16", "complex", "meta", "sparse", "subclass", "1-D"],
)
def test_torch_tensors_end_as_on_the_full_path(case, fast_calls):
    torch = pytest.importorskip("torch")
    tensor, may_be_fast = torch_cases(torch)[case]
    expected = outcome(lambda: without_fast_path(tensor))
    assert outcome(lambda: fasttile.render(tensor)) == expected
    assert fast_calls == [may_be_fast]


def test_the_layout_warning_is_given_on_every_call():
    w = np.zeros((48, 4), np.float32)  # 48 values per column: 4 RGB 4x4 images, read as 2x2 gray rows
    for _ in range(2):
        with pytest.warns(LayoutWarning, match="layout='cols'"):
            fasttile.render(w)


def test_the_plan_cache_stays_bounded(fast_calls):
    for n in range(1, _fast_path._MAX_PLANS + 20):
        fasttile.render(np.ones((n, 1), np.float32), layout="rows")
    assert all(fast_calls)
    assert len(_fast_path._plans) <= _fast_path._MAX_PLANS
    assert np.array_equal(fasttile.render(W), without_fast_path(W))  # relearnt after the purge


def test_no_kernel_no_fast_path(monkeypatch):
    from fasttile.kernel import native as _native_backend

    monkeypatch.setattr(_native_backend, "_core", None)
    assert _fast_path.render_fast(W, {}) is None


def test_a_large_render_asks_for_the_default_thread_count_on_every_call(monkeypatch, fast_calls):
    # above the kernel's one-thread size the core count is not learnt once: a process
    # may change its CPU affinity between calls, and the full path asks every time
    weights = np.random.default_rng(7).standard_normal((300, 3072)).astype(np.float32)
    asked = []
    monkeypatch.setattr(backends, "default_threads", lambda: asked.append(1) or 1)
    pictures = [fasttile.render(weights) for _ in range(3)]
    assert fast_calls == [True, True, True]
    assert len(asked) >= 3
    reference = fasttile.render(weights, backend="numpy")
    assert all(np.array_equal(p, reference) for p in pictures)
