"""Bad input gets a clear ValueError / TypeError naming the argument, before any
large allocation; never a crash or a wrong picture."""

import numpy as np
import pytest

import fasttile

W = np.zeros((4, 16), np.float32)


@pytest.mark.parametrize(
    "weights, kwargs, exc, message",
    [
        (np.zeros(16, np.float32), {}, ValueError, "2, 3 or 4 dimensions"),
        (np.zeros((1, 2, 3, 4, 5), np.float32), {}, ValueError, "2, 3 or 4 dimensions"),
        (W, {"layout": "nchw"}, ValueError, "layout 'nchw' needs 4-D weights"),
        (W, {"layout": "xyz"}, ValueError, "unknown layout 'xyz'"),
        (np.zeros((4, 10), np.float32), {}, ValueError, "cannot infer the tile shape: 10 values"),
        (W, {"tile_shape": (3, 5)}, ValueError, r"tile_shape \(3, 5\) holds 15 values but each tile has 16"),
        (W, {"tile_shape": (4, 0)}, ValueError, "positive integers"),
        (np.zeros((0, 16), np.float32), {}, ValueError, "weights are empty"),
        (np.zeros((4, 16), object), {}, TypeError, "dtype object"),
        (np.zeros((4, 16), complex), {}, TypeError, "dtype complex128"),
        (np.zeros((4, 16), "U3"), {}, TypeError, "dtype <U3"),
        (np.zeros((4, 16), ">f4"), {}, TypeError, "byte order"),
        (W, {"value_range": (1, 0)}, ValueError, "lo < hi"),
        (W, {"value_range": (1, 1)}, ValueError, "lo < hi"),
        (W, {"value_range": (0, 1e-50)}, ValueError, r"lo < hi \(in float32\)"),
        (W, {"value_range": (0, np.inf)}, ValueError, "finite"),
        (W, {"value_range": "ab"}, ValueError, "pair"),
        (W, {"normalize": "none"}, ValueError, "needs value_range"),
        (W, {"normalize": "tile", "value_range": (0, 1)}, ValueError, "value_range needs normalize='none'"),
        (W, {"normalize": "minmax"}, ValueError, "normalize must be one of"),
        (W, {"nonfinite": "ignore"}, ValueError, "nonfinite must be"),
        (W, {"padding": -1}, ValueError, "padding must be at least 0"),
        (W, {"zoom": 0}, ValueError, "zoom must be at least 1"),
        (W, {"zoom": 1.5}, ValueError, "zoom must be an integer"),
        (W, {"ncols": 0}, ValueError, "ncols must be at least 1"),
        (W, {"nrows": 1, "ncols": 3}, ValueError, "cannot hold 4 tiles"),
        (W, {"threads": 0}, ValueError, "threads must be at least 1"),
        (W, {"pad_value": 256}, ValueError, "pad_value must be a gray level 0..255"),
        (W, {"pad_value": (1, 2)}, ValueError, "pad_value"),
        (W, {"fill": "diagonal"}, ValueError, "fill must be"),
        (W, {"backend": "gpu"}, ValueError, "backend must be"),
        (W, {"channel": "first"}, ValueError, "channel must be None"),
        (np.zeros((2, 3, 2, 2), np.float32), {"channel": 3}, ValueError, "channel=3 is out of range"),
        (np.zeros((2, 5, 2, 2), np.float32), {"bgr": True}, ValueError, "bgr=True needs RGB tiles"),
        (np.zeros((2, 3, 2, 2), np.float32), {"cmap": "gray"}, ValueError, "cmap colours gray tiles"),
        (W, {"cmap": "no-such-map"}, ValueError, "unknown colormap"),
        (np.zeros((4, 4, 4), np.float32), {"tile_shape": (2, 8)}, ValueError, "tile_shape applies to 2-D"),
        (W, {"zoom": 2**40}, ValueError, "overflows 64-bit"),
    ],
)
@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_bad_arguments(weights, kwargs, exc, message, backend):
    kwargs.setdefault("backend", backend)
    with pytest.raises(exc, match=message):
        fasttile.render(weights, **kwargs)


@pytest.mark.parametrize(
    "out, exc, message",
    [
        (np.zeros((11, 11), np.float32), TypeError, "dtype uint8"),
        (np.zeros((11, 8), np.uint8), ValueError, r"out has shape \(11, 8\) but the mosaic is \(11, 11\)"),
        (np.zeros((11, 11, 3), np.uint8), ValueError, "out has shape"),
        (np.zeros((11, 11), np.uint8)[:, ::-1], ValueError, "contiguous pixels"),
        ([[0] * 11] * 11, TypeError, "numpy array"),
    ],
)
def test_bad_out(out, exc, message):
    with pytest.raises(exc, match=message):
        fasttile.render(W, out=out)


def test_read_only_out():
    out = np.zeros((11, 11), np.uint8)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fasttile.render(W, out=out)


def test_out_overlapping_weights():
    buf = np.zeros(256, np.uint8)
    with pytest.raises(ValueError, match="overlaps the weights"):
        fasttile.render(buf[:64].reshape(4, 16), out=buf[10:131].reshape(11, 11))


def test_mosaic_that_cannot_be_allocated():
    # 1e6 tiles zoomed 2000x: ~4e15 bytes, refused by size, not by a crash
    w = np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), shape=(10**6, 1), strides=(0, 0))
    with pytest.raises(ValueError, match="mosaic"):
        fasttile.render(w, zoom=2000, padding=0)


def test_kernel_refuses_views_outside_the_buffer():
    from fasttile.kernel import _core

    data = np.zeros(16, np.float32)
    args = dict(data=data, dtype="float32", offset=0, indices=None, channel_mean=False, threads=1)
    with pytest.raises(IndexError, match="outside the buffer"):
        _core.scan_range(shape=(2, 1, 1, 3, 3), strides=(36, 0, 0, 12, 4), **args)
    with pytest.raises(IndexError, match="outside the buffer"):
        _core.scan_range(shape=(1, 1, 1, 1, 2), strides=(0, 0, 0, 0, -4), **args)
    with pytest.raises(IndexError, match="tile index 5"):
        _core.scan_range(
            shape=(4, 1, 1, 1, 4), strides=(16, 0, 0, 0, 4), **{**args, "indices": np.array([0, 5], np.int64)}
        )
    with pytest.raises(OverflowError):
        _core.scan_range(shape=(2**40, 1, 1, 2**40, 1), strides=(2**40, 0, 0, 2**40, 4), **args)
    with pytest.raises(ValueError, match="item size"):
        _core.scan_range(shape=(1, 1, 1, 1, 1), strides=(0, 0, 0, 0, 0), **{**args, "dtype": "float64"})


@pytest.mark.parametrize(
    "kwargs, suggestion",
    [
        ({"zom": 2}, "did you mean 'zoom'"),
        ({"pad_values": 3}, "did you mean 'pad_value'"),
        ({"colour": 1}, "options are"),
    ],
)
def test_misspelt_keyword_names_render_and_the_closest_option(kwargs, suggestion):
    with pytest.raises(
        TypeError,
        match=rf"^render\(\) got an unexpected keyword argument '{next(iter(kwargs))}'; .*{suggestion}",
    ):
        fasttile.render(W, **kwargs)


def test_render_documents_every_keyword_with_its_default():
    import inspect

    doc = fasttile.render.__doc__
    for name, param in inspect.signature(fasttile.render).parameters.items():
        if param.kind is param.KEYWORD_ONLY:
            assert f"{name}={param.default!r}".replace("'", '"') in doc, name


def test_dir_shows_only_the_public_api():
    names = dir(fasttile)
    assert names == sorted(fasttile.__all__)
    assert {"render", "save", "show", "load", "keys", "LayoutWarning", "LoadError"} <= set(names)
    assert not [n for n in names if n.startswith("_") and n != "__version__"]
    assert "cli" not in names and "png" not in names and "np" not in names
    for name in names:
        assert hasattr(fasttile, name)
