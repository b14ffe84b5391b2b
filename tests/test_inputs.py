"""Inputs: every dtype, memmaps, torch / jax / DLPack objects; the caller's array is
never written and half types are read natively."""

import numpy as np
import pytest
from banks import DTYPES, numpy_dtype
from conftest import assert_backends_agree

import fasttile

rng = np.random.default_rng(5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_matches_reference(dtype):
    w = (rng.standard_normal((20, 48)) * 50).astype(numpy_dtype(dtype))
    assert_backends_agree(w)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int8", "uint16", "int32"])
def test_narrow_types_render_like_their_exact_float32_value(dtype):
    if dtype not in DTYPES:
        pytest.skip("ml_dtypes not installed")
    w = (rng.standard_normal((20, 48)) * 50).astype(numpy_dtype(dtype))
    assert np.array_equal(fasttile.render(w), fasttile.render(w.astype(np.float32)))


def test_bool_weights():
    w = rng.random((4, 9)) > 0.5
    assert np.array_equal(fasttile.render(w), fasttile.render(w.astype(np.float32)))


def test_input_is_never_written():
    w = rng.standard_normal((50, 27)).astype(np.float32)
    w[3, 3] = np.nan
    before = w.copy()
    w.flags.writeable = False  # a write would raise
    for backend in ("native", "numpy"):
        fasttile.render(w, nonfinite="mark", backend=backend, order="norm", normalize="global")
    assert np.array_equal(w, before, equal_nan=True)


def test_memmap(tmp_path):
    path = tmp_path / "w.npy"
    w = rng.standard_normal((64, 3, 5, 5)).astype(np.float32)
    np.save(path, w)
    mm = np.load(path, mmap_mode="r")
    assert np.array_equal(fasttile.render(mm), fasttile.render(w))


class ArrayLike:
    def __init__(self, a):
        self._a = a

    def __array__(self, dtype=None, copy=None):
        return self._a


class DLPackOnly:
    def __init__(self, a):
        self._a = a

    def __dlpack__(self, **kw):
        return self._a.__dlpack__(**kw)

    def __dlpack_device__(self):
        return self._a.__dlpack_device__()


def test_array_protocols():
    w = rng.standard_normal((9, 16)).astype(np.float32)
    ref = fasttile.render(w)
    assert np.array_equal(fasttile.render(ArrayLike(w)), ref)
    assert np.array_equal(fasttile.render(DLPackOnly(w)), ref)
    assert np.array_equal(fasttile.render(w.tolist()), fasttile.render(w.astype(np.float64)))


def test_torch_tensors():
    torch = pytest.importorskip("torch")
    conv = torch.nn.Conv2d(3, 16, 5)
    ref = fasttile.render(conv.weight.detach().numpy())
    assert conv.weight.requires_grad
    assert np.array_equal(fasttile.render(conv.weight), ref)
    # a transposed (non-contiguous) view: TensorFlow order, no copy
    hwio = conv.weight.detach().permute(2, 3, 1, 0)
    assert np.array_equal(fasttile.render(hwio, layout="hwio"), ref)
    bf16 = conv.weight.detach().to(torch.bfloat16)
    assert np.array_equal(fasttile.render(bf16), fasttile.render(bf16.float().numpy()))
    assert_backends_agree(bf16)
    half = conv.weight.detach().half()
    assert np.array_equal(fasttile.render(half), fasttile.render(half.float().numpy()))


def test_torch_bfloat16_is_not_upcast():
    torch = pytest.importorskip("torch")
    from fasttile.kernel.arrays import as_weights

    t = torch.randn(8, 27).to(torch.bfloat16)
    arr, dtype = as_weights(t)
    assert dtype == "bfloat16" and arr.dtype == np.uint16
    assert arr.__array_interface__["data"][0] == t.data_ptr()  # same memory


def test_jax_arrays():
    jnp = pytest.importorskip("jax.numpy")
    w = rng.standard_normal((9, 16)).astype(np.float32)
    assert np.array_equal(fasttile.render(jnp.asarray(w)), fasttile.render(w))


def test_numpy_fallback_warns_once(monkeypatch):
    from fasttile.kernel import backends
    from fasttile.kernel import native as _native_backend

    monkeypatch.setattr(_native_backend, "_core", None)
    monkeypatch.setattr(_native_backend, "IMPORT_ERROR", ImportError("simulated"))
    monkeypatch.setattr(backends, "_warned_fallback", False)
    w = rng.standard_normal((4, 16)).astype(np.float32)
    with pytest.warns(RuntimeWarning, match="NumPy backend"):
        img = fasttile.render(w)
    assert np.array_equal(img, fasttile.render(w, backend="numpy"))
    fasttile.render(w)  # no second warning (warnings are errors here)
    with pytest.raises(ImportError, match="simulated"):
        fasttile.render(w, backend="native")


def test_simd_info_names_the_path():
    info = fasttile.simd_info()
    assert info["backend"] == "native"
    assert info["path"] == info["supported"][0]
    assert "scalar" in info["supported"]
