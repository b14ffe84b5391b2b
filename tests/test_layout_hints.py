"""Layout hints: when the ndim default is probably the wrong reading of a shape, the
mosaic is drawn as asked and a LayoutWarning names the likelier layout; the README's
own examples and the demo stay silent."""

import warnings

import numpy as np
import pytest

import fasttile
from fasttile import LayoutWarning
from fasttile.cli import app as cli
from fasttile.tiling.hints import hint_for

rng = np.random.default_rng(3)


@pytest.mark.parametrize(
    "shape, likelier",
    [
        ((3072, 100), "cols"),  # CS231n W1: 100 RGB 32x32 images, not 3072 gray 10x10 ones
        ((3072, 4), "cols"),
        ((3, 3, 3, 32), "hwio"),  # a Keras conv kernel: 32 RGB 3x3 filters
        ((7, 7, 3, 64), "hwio"),
        ((1, 1, 256, 64), "hwio"),  # a 1x1 conv stored HWIO
        ((64, 7, 7, 3), "ohwi"),  # TFLite / channels-last
    ],
)
def test_warns_with_the_likelier_layout_and_draws_as_asked(shape, likelier):
    w = rng.standard_normal(shape).astype(np.float32)
    with pytest.warns(LayoutWarning, match=f"pass layout='{likelier}'") as record:
        img = fasttile.render(w)
    assert len(record) == 1 and record[0].message.layout == likelier
    assert record[0].filename == __file__  # points at the caller, not at fasttile
    default = {2: "rows", 4: "oihw"}[len(shape)]
    assert np.array_equal(img, fasttile.render(w, layout=default))  # explicit: silent, same picture
    fasttile.render(w, layout=likelier)  # silent


README_EXAMPLES = [
    ((64, 3, 7, 7), {}),  # PyTorch conv1
    ((7, 7, 3, 64), {"layout": "hwio"}),
    ((64, 7, 7, 3), {"layout": "ohwi"}),
    ((3072, 100), {"layout": "cols"}),
    ((784, 100), {"layout": "cols"}),
    ((100, 3072), {"channel_order": "chw"}),
    ((64, 3, 7, 7), {"bgr": True}),
    ((100, 3072), {}),
    ((10, 784), {}),
    ((64, 784), {"tile_shape": (28, 28)}),
    ((64, 32, 3, 3), {"channel": "mean"}),
    ((32, 3, 3, 3), {}),
    ((16, 1, 5, 5), {}),
    ((60000, 784)[:1] + (784,), {}),
    ((50, 28, 28), {}),
    ((8, 3, 32, 64), {}),  # non-square images, no square alternative
]


@pytest.mark.parametrize("shape, kwargs", README_EXAMPLES)
def test_silent_on_the_readme_examples(shape, kwargs):
    w = np.zeros(shape, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fasttile.render(w, **kwargs)


def test_silent_on_the_demo(monkeypatch):
    from fasttile import demo

    # the demo's bank has this shape (learning it takes a while; test_tools runs the real one)
    monkeypatch.setattr(demo, "learn_filters", lambda: np.ones((64, 8 * 8 * 3), np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        demo.render_demo(zoom=1)


def test_ties_stay_silent():
    assert hint_for((784, 64)) is None  # both gray squares of common input sizes: drawn as asked
    assert hint_for((64, 64)) is None
    assert hint_for((10000, 784)) is None
    assert hint_for((3, 3, 5, 5)) is None  # square oihw tiles


def test_a_default_that_cannot_work_names_the_other_reading():
    with pytest.raises(ValueError, match=r"or pass layout='cols' \(50 RGB 32x32 tiles\)"):
        fasttile.render(np.zeros((3072, 50), np.float32))


def test_cli_warns_once_in_flag_words(tmp_path, capsys):
    np.save(tmp_path / "W1.npy", np.zeros((3072, 100), np.float32))
    assert cli.main(["render", str(tmp_path / "W1.npy"), "-o", str(tmp_path / "w.png")]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warned) == 1 and "--layout cols" in warned[0] and "layout=" not in warned[0]


def test_keras_files_keep_keras_layouts_and_plain_hdf5_gets_hints(tmp_path, capsys):
    h5py = pytest.importorskip("h5py")
    kernel = rng.standard_normal((3, 3, 3, 32)).astype(np.float32)
    with h5py.File(tmp_path / "keras.h5", "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f["model_weights/conv2d/conv2d/kernel:0"] = kernel
    with h5py.File(tmp_path / "plain.h5", "w") as f:
        f["kernel"] = kernel
    out = tmp_path / "k.png"
    assert cli.main(["render", str(tmp_path / "keras.h5"), "-o", str(out), "--zoom", "1"]) == 0
    assert "warning" not in capsys.readouterr().err
    from PIL import Image

    with Image.open(out) as im:
        assert np.array_equal(np.asarray(im), fasttile.render(kernel, layout="hwio"))
    assert cli.main(["render", str(tmp_path / "plain.h5"), "-o", str(out), "--zoom", "1"]) == 0
    assert "--layout hwio" in capsys.readouterr().err
    assert cli.main(["ls", str(tmp_path / "plain.h5")]) == 0
    assert "oihw (4-D default)" in capsys.readouterr().out
