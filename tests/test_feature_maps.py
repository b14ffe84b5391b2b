"""Feature maps: render of nchw/nhwc activations, and fasttile.feature_maps on real models."""

import numpy as np
import pytest

import fasttile

torch = pytest.importorskip("torch")
from activation_models import digits, digits_cnn  # noqa: E402


def _cell(image, row, col, h, w, padding=1):
    y, x = padding + row * (h + padding), padding + col * (w + padding)
    return image[y : y + h, x : x + w]


def _alone(map2d, **options):
    """One map rendered on its own, without padding: what its cell must hold."""
    return fasttile.render(map2d[None], layout="nhw", padding=0, **options)


@pytest.fixture(scope="module")
def maps():
    images, _ = digits()
    return fasttile.capture(digits_cnn(), images[:3], "2")["2"]  # (3, 32, 8, 8) after a trained conv


def test_one_input_is_a_near_square_grid_of_its_maps(maps):
    image = fasttile.feature_maps(digits_cnn(), digits()[0][:1], "2")
    assert image.shape == (6 * 9 + 1, 6 * 9 + 1)  # 32 maps: ceil(sqrt(32)) = 6 columns, 6 rows
    for c in range(32):
        assert np.array_equal(_cell(image, c // 6, c % 6, 8, 8), _alone(maps[0, c]))
    assert (_cell(image, 5, 2, 8, 8) == 0).all()  # empty cells after the last map: padding


def test_several_inputs_give_one_grid_row_each(maps):
    image = fasttile.render(maps, layout="nchw")
    assert image.shape == (3 * 9 + 1, 32 * 9 + 1)
    for i in range(3):
        for c in (0, 7, 31):
            assert np.array_equal(_cell(image, i, c, 8, 8), _alone(maps[i, c]))


def test_nhwc_draws_the_same_as_nchw(maps):
    channels_last = np.ascontiguousarray(maps.transpose(0, 2, 3, 1))
    assert np.array_equal(fasttile.render(channels_last, layout="nhwc"), fasttile.render(maps, layout="nchw"))


def test_global_normalization_spans_the_layer(maps):
    image = fasttile.render(maps[:1], layout="nchw", normalize="global")
    lo, hi = float(maps[0].min()), float(maps[0].max())
    for c in (0, 13):
        expected = _alone(maps[0, c], normalize="none", value_range=(lo, hi))
        assert np.array_equal(_cell(image, c // 6, c % 6, 8, 8), expected)


def test_order_and_top_choose_channels_over_all_inputs(maps):
    norms = np.sqrt((maps.astype(np.float64) ** 2).sum(axis=(0, 2, 3)))
    strongest = np.argsort(-norms, kind="stable")[:4]
    image = fasttile.render(maps, layout="nchw", order="norm", top=4, zoom=2, cmap="viridis")
    assert image.shape == (3 * 17 + 1, 4 * 17 + 1, 3)
    plain = fasttile.render(maps, layout="nchw", order="norm", top=4, zoom=2)
    for col, c in enumerate(strongest):
        assert np.array_equal(_cell(plain, 1, col, 16, 16), _alone(maps[1, c], zoom=2))


def test_dead_hides_channels_that_never_fire():
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 6, 3, padding=1), torch.nn.ReLU())
    with torch.no_grad():
        model[0].bias[[1, 4]] = -100.0  # these two never fire on digits
    images = digits()[0][:5]
    shown = fasttile.feature_maps(model, images, "1", dead="hide")
    assert shown.shape == (5 * 9 + 1, 4 * 9 + 1)
    only = fasttile.feature_maps(model, images, "1", dead="only")
    assert only.shape == (5 * 9 + 1, 2 * 9 + 1)


def test_keras_maps_are_channels_last():
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    inputs = keras.Input((10, 10, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(5, 3, name="conv")(inputs))
    x = np.random.default_rng(0).random((1, 10, 10, 1), dtype=np.float32)
    acts = fasttile.capture(model, x, "conv")["conv"]
    image = fasttile.feature_maps(model, x, "conv")
    assert image.shape == (2 * 9 + 1, 3 * 9 + 1)  # 5 maps of 8x8: 3 columns, 2 rows
    assert np.array_equal(_cell(image, 1, 1, 8, 8), _alone(acts[0, :, :, 4]))


def test_save_and_pyramid_take_activations(maps, tmp_path):
    from PIL import Image

    info = fasttile.save(maps, tmp_path / "maps.png", layout="nchw")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "maps.png")), fasttile.render(maps, layout="nchw"))
    assert info is not None
    site = fasttile.pyramid(maps, tmp_path / "site", layout="nchw")
    assert tuple(site.shape[:2]) == (3 * 9 + 1, 32 * 9 + 1)


def test_browse_serves_the_same_pixels(maps):
    pytest.importorskip("anywidget")
    widget = fasttile.browse(maps, layout="nchw")
    sent = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))
    top_zoom = widget.manifest["max_zoom"]
    widget._answer(widget, {"id": 1, "kind": "tile", "z": top_zoom, "x": 0, "y": 0}, [])
    import io

    from PIL import Image

    with Image.open(io.BytesIO(bytes(sent[0][1][0]))) as tile:
        pixels = np.asarray(tile)
    expected = fasttile.render(maps, layout="nchw")[: pixels.shape[0], : pixels.shape[1]]
    assert np.array_equal(pixels, expected)


def test_explicit_nhwc_on_a_channels_first_batch_warns():
    acts = np.zeros((2, 16, 32, 32), np.float32)
    with pytest.warns(fasttile.LayoutWarning, match="layout='nchw'"):
        fasttile.render(acts, layout="nhwc")
    with pytest.warns(fasttile.LayoutWarning, match="layout='nchw'"):
        fasttile.render(acts, layout="nhwc")  # every call, not only the first (the fast path)


def test_dense_layer_is_refused_with_a_hint():
    with pytest.raises(ValueError, match="not maps"):
        fasttile.feature_maps(digits_cnn(), digits()[0][:2], "6")


def test_torch_hook_logs_a_probe_batchs_maps(tmp_path):
    pytest.importorskip("tensorboard")
    import io

    from PIL import Image
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from torch.utils.tensorboard import SummaryWriter

    from fasttile.training.hooks import TorchHook
    from fasttile.training.log import auto_zoom

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 6, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten())
    probe = torch.from_numpy(digits()[0][:2])
    writer = SummaryWriter(str(tmp_path))
    hook = TorchHook(writer, model, every=2, probe=probe, probe_layers=["1"])
    for _ in range(4):
        hook.step_done()
    writer.close()
    events = EventAccumulator(str(tmp_path), size_guidance={"images": 0})
    events.Reload()
    logged = events.Images("activations/1")
    assert [e.step for e in logged] == [2, 4]
    image = np.asarray(Image.open(io.BytesIO(logged[-1].encoded_image_string)))
    acts = fasttile.capture(model, probe, "1")["1"]
    expected = fasttile.render(acts, layout="nchw", zoom=auto_zoom(acts, {"layout": "nchw"}))
    assert np.array_equal(image, expected)  # two inputs, one row each, six maps across


def test_a_dask_batch_of_maps_says_to_compute_it(maps):
    da = pytest.importorskip("dask.array")
    with pytest.raises(ValueError, match=r"x\.compute\(\)"):
        fasttile.render(da.from_array(maps, chunks=(1, 32, 8, 8)), layout="nchw")
    rgb = da.from_array(np.zeros((2, 3, 4, 4), np.float32), chunks=(1, 3, 4, 4))
    assert fasttile.render(rgb, layout="nchw").shape == (6, 11, 3)  # image batches still stream


def test_the_readme_feature_maps_example_runs(tmp_path):
    """docs/feature_maps.py is the README's example with its training loop: it runs and
    draws both pictures."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    from PIL import Image

    script = Path(__file__).resolve().parents[1] / "docs" / "feature_maps.py"
    env = dict(os.environ, FASTTILE_DOCS_OUT=str(tmp_path))
    subprocess.run([sys.executable, str(script)], check=True, env=env, timeout=300)
    for name in ("feature_maps.png", "cards.png"):
        with Image.open(tmp_path / name) as image:
            pixels = np.asarray(image)
        assert min(pixels.shape[:2]) > 20 and pixels.std() > 10, (name, pixels.shape)
