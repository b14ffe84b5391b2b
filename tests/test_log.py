"""fasttile.log and the training hooks: real event files read back by TensorBoard's own
EventAccumulator, a real offline W&B run, real training loops (PyTorch and Keras 3)."""

import glob
import io
import os

import numpy as np
import pytest

import fasttile
from fasttile.training.hooks import TorchHook, keras_callback
from fasttile.training.log import auto_zoom, log

torch = pytest.importorskip("torch")
pytest.importorskip("tensorboard")
from PIL import Image  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def cnn():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 5),
        torch.nn.ReLU(),
        torch.nn.Conv2d(16, 8, 3),
        torch.nn.Flatten(),
        torch.nn.Linear(8 * 4 * 4, 10),
    )


def logged_images(logdir):
    """{tag: [(step, decoded uint8 image)]} from the event files in logdir."""
    acc = EventAccumulator(str(logdir), size_guidance={"images": 0})
    acc.Reload()
    return {
        tag: [(e.step, np.asarray(Image.open(io.BytesIO(e.encoded_image_string)))) for e in acc.Images(tag)]
        for tag in acc.Tags()["images"]
    }


def make_writer(kind, logdir):
    if kind == "torch":
        from torch.utils.tensorboard import SummaryWriter

        return SummaryWriter(str(logdir))
    tbx = pytest.importorskip("tensorboardX")
    return tbx.SummaryWriter(str(logdir))


@pytest.mark.parametrize("kind", ["torch", "tensorboardX"])
def test_event_file_holds_the_exact_mosaic(tmp_path, kind):
    model = cnn()
    writer = make_writer(kind, tmp_path)
    returned = log(writer, model, 7)
    writer.close()
    images = logged_images(tmp_path)
    assert list(images) == ["filters/0"]  # the first conv only: the dense layer reads features
    [(step, decoded)] = images["filters/0"]
    expected = fasttile.render(model[0].weight, zoom=auto_zoom(model[0].weight, {}))
    assert step == 7 and np.array_equal(decoded, expected) and np.array_equal(returned["0"], expected)


def test_auto_zoom_makes_a_first_layer_visible():
    w = np.zeros((64, 3, 7, 7), np.float32)
    assert auto_zoom(w, {}) == 5 and fasttile.render(w, zoom=5).shape[0] >= 256
    assert auto_zoom(np.zeros((768, 3, 16, 16), np.float32), {}) == 1


def test_mlp_logs_its_first_dense_layer_as_images(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    mlp = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 16), torch.nn.Linear(16, 10))
    with SummaryWriter(str(tmp_path)) as writer:
        log(writer, mlp, 0, padding=2, zoom=2)
    [(_, decoded)] = logged_images(tmp_path)["filters/1"]
    assert decoded.ndim == 2  # gray 28x28 tiles
    assert np.array_equal(decoded, fasttile.render(mlp[1].weight, padding=2, zoom=2))


def test_named_layers_and_dicts(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    model = cnn()
    tensors = {"a": np.arange(36.0).reshape(4, 9), "bias": np.zeros(3)}
    with SummaryWriter(str(tmp_path)) as writer:
        log(writer, model, 1, layers=["2.weight"], zoom=1)  # state-dict names work too
        log(writer, tensors, 1, zoom=3)
    images = logged_images(tmp_path)
    assert sorted(images) == ["filters/2", "filters/a"]  # 1-D bias skipped
    assert np.array_equal(images["filters/2"][0][1], fasttile.render(model[2].weight, zoom=1))
    assert np.array_equal(images["filters/a"][0][1], fasttile.render(tensors["a"], zoom=3))


def test_other_layers_are_never_read():
    # a weight on the meta device cannot be copied: logging must not touch it
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(4, 4, 3, device="meta"))
    from torch.utils.tensorboard import SummaryWriter

    class Sink(SummaryWriter):
        def __init__(self):
            self.got = []

        def _get_file_writer(self):
            return self

        def add_summary(self, summary, step):
            self.got.append(summary.value[0].tag)

    sink = Sink()
    log(sink, model, 3)
    assert sink.got == ["filters/0"]


def test_errors_name_the_problem(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    model = cnn()
    with SummaryWriter(str(tmp_path)) as writer:
        with pytest.raises(ValueError, match=r"no layer named 'conv1'.*loggable layers: 0, 2, 4"):
            log(writer, model, 0, layers=["conv1"])
        named = torch.nn.ModuleDict({"conv1": torch.nn.Conv2d(1, 2, 3), "fc": torch.nn.Linear(4, 2)})
        with pytest.raises(ValueError, match=r"no layer named 'conv_1'; did you mean 'conv1'\?"):
            log(writer, named, 0, layers=["conv_1"])
        with pytest.raises(ValueError, match=r"did you mean 'conv1'"):
            log(writer, named, 0, layers=["conv1.weigth"])
        with pytest.raises(ValueError, match="nothing to log: the model has no conv layer"):
            log(writer, torch.nn.Sequential(torch.nn.ReLU()), 0)
        with pytest.raises(ValueError, match="nothing to log: the dict"):
            log(writer, {}, 0)
        with pytest.raises(TypeError, match="step must be an integer"):
            log(writer, model, 1.5)
        with pytest.raises(ValueError, match="every must be a positive integer"):
            TorchHook(writer, model, every=0)
    with pytest.raises(TypeError, match="writer must be a torch.utils.tensorboard.SummaryWriter"):
        log(object(), model, 0)
    with pytest.raises(TypeError, match="needs a torch.nn.Module, a Keras model or a dict"):
        log(SummaryWriter(str(tmp_path / "x")), [1, 2], 0)


def test_training_loop_with_the_hook(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    model = cnn()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    writer = SummaryWriter(str(tmp_path))
    hook = TorchHook(writer, model, every=2, keep=True, zoom=2).attach(opt)
    x, y = torch.randn(8, 3, 10, 10), torch.randint(0, 10, (8,))
    for _ in range(5):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    hook.remove()
    opt.step()  # detached: not counted
    writer.close()
    logged = logged_images(tmp_path)["filters/0"]
    kept = hook.frames["0"]
    assert [s for s, _ in logged] == [s for s, _ in kept] == [2, 4]
    for (_, image), (_, weights) in zip(logged, kept):
        assert np.array_equal(image, fasttile.render(weights, zoom=2))
    assert not np.array_equal(logged[0][1], logged[1][1])  # the filters changed while training
    # the kept frames animate directly, captioned with their steps
    info = fasttile.animate(kept, tmp_path / "evolution.webp", normalize="tile", zoom=2, captions=False)
    with Image.open(tmp_path / "evolution.webp") as im:
        assert info.frames == im.n_frames == 2
        im.seek(1)
        assert np.array_equal(np.asarray(im.convert("RGB")), logged[1][1])


def test_keras_callback_in_a_real_fit(tmp_path):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("keras was imported with another backend")
    from torch.utils.tensorboard import SummaryWriter

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(6, 3, name="conv"),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    writer = SummaryWriter(str(tmp_path))
    callback = keras_callback(writer, every=3, keep=True, zoom=3)
    x, y = np.random.default_rng(0).standard_normal((24, 8, 8, 3)), np.arange(24) % 2
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[callback])
    writer.close()
    logged = logged_images(tmp_path)["filters/conv"]
    assert [s for s, _ in logged] == [s for s, _ in callback.frames["conv"]] == [3, 6]
    for (_, image), (_, kernel) in zip(logged, callback.frames["conv"]):
        assert np.array_equal(image, fasttile.render(kernel, layout="hwio", zoom=3))


def test_wandb_offline_run_stores_the_exact_mosaic(tmp_path, monkeypatch):
    wandb = pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    model = cnn()
    with pytest.raises(ValueError, match=r"wandb has no active run: call wandb.init\(\) first"):
        log(wandb, model, 5)
    lean = wandb.Settings(x_disable_stats=True, x_disable_meta=True, console="off", save_code=False)
    run = wandb.init(project="fasttile-test", dir=str(tmp_path), settings=lean)
    try:
        log(run, model, 5, zoom=2)
        log(wandb, model, 6, zoom=2)  # the module logs to its current run
    finally:
        run.finish()
    assert glob.glob(str(tmp_path / "wandb" / "offline-run-*" / "run-*.wandb"))
    pngs = glob.glob(
        str(tmp_path / "wandb" / "offline-run-*" / "files" / "media" / "images" / "**" / "*.png"),
        recursive=True,
    )
    assert len(pngs) == 2
    for png in pngs:
        assert np.array_equal(np.asarray(Image.open(png)), fasttile.render(model[0].weight, zoom=2))
