"""fasttile.capture: the layers' outputs as the framework computes them, hooks always gone."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fasttile

torch = pytest.importorskip("torch")
from activation_models import resnet_like  # noqa: E402


@pytest.fixture(scope="module")
def resnet():
    return resnet_like()


@pytest.fixture(scope="module")
def batch():
    return torch.from_numpy(np.random.default_rng(0).standard_normal((3, 3, 48, 48)).astype(np.float32))


def _hook_count(model):
    return sum(len(m._forward_hooks) for m in model.modules())


def test_torch_outputs_equal_the_modules_own(resnet, batch):
    acts = fasttile.capture(resnet, batch, ["bn1", "layer1.0.conv1", "layer2.1.bn2", "fc"])
    resnet.eval()
    with torch.no_grad():
        bn1 = resnet.bn1(resnet.conv1(batch))  # before the in-place ReLU that follows it
        stem = resnet.maxpool(resnet.relu(resnet.bn1(resnet.conv1(batch))))
        conv = resnet.layer1[0].conv1(stem)
        expected_fc = resnet(batch)
    assert np.array_equal(acts["bn1"], bn1.numpy())
    assert np.array_equal(acts["layer1.0.conv1"], conv.numpy())
    assert np.array_equal(acts["fc"], expected_fc.numpy())
    assert acts["layer2.1.bn2"].shape == (3, 32, 6, 6)
    assert acts.layout("layer1.0.conv1") == "nchw" and acts.layout("fc") is None


def test_numpy_inputs_and_a_single_name(resnet, batch):
    acts = fasttile.capture(resnet, batch.numpy().astype(np.float64), "layer1.0.conv1")
    assert list(acts) == ["layer1.0.conv1"] and acts["layer1.0.conv1"].dtype == np.float32


def test_hooks_removed_and_modes_restored(resnet, batch):
    resnet.train()
    resnet.layer1[0].bn1.eval()  # a mixed state is restored module by module
    fasttile.capture(resnet, batch, ["layer1.0.conv1", "fc"])
    assert _hook_count(resnet) == 0
    assert resnet.training and resnet.layer2.training and not resnet.layer1[0].bn1.training
    resnet.eval()


def test_hooks_removed_after_an_error_inside_the_model(resnet):
    wrong = torch.zeros(2, 5, 32, 32)  # 5 channels: conv1 raises inside forward
    resnet.train()
    with pytest.raises(RuntimeError):
        fasttile.capture(resnet, wrong, ["layer1.0.conv1"])
    assert _hook_count(resnet) == 0 and resnet.training
    resnet.eval()


def test_unknown_layer_lists_close_names(resnet, batch):
    with pytest.raises(ValueError, match=r"no layer 'layer1\.0\.conv'; did you mean .*'layer1\.0\.conv1'"):
        fasttile.capture(resnet, batch, ["layer1.0.conv"])
    assert _hook_count(resnet) == 0


def test_callable_returning_a_dict():
    def model(x):
        return {"double": x * 2, "sum": x.sum(axis=1)}

    x = np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2)
    acts = fasttile.capture(model, x, ["double", "sum"])
    assert np.array_equal(acts["double"], x * 2) and acts.layout("double") is None
    with pytest.raises(ValueError, match="did you mean 'double'"):
        fasttile.capture(model, x, "doubl")


def _numpy(tensor):
    return tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else np.asarray(tensor)


def test_keras_functional_model_is_channels_last():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    inputs = keras.Input((12, 12, 3))
    conv = keras.layers.Conv2D(8, 3, name="conv")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D(name="pool")(keras.layers.ReLU(name="relu")(conv))
    model = keras.Model(inputs, keras.layers.Dense(4, name="head")(pooled))
    x = np.random.default_rng(1).standard_normal((2, 12, 12, 3)).astype(np.float32)
    acts = fasttile.capture(model, x, ["conv", "head"])
    own_conv = _numpy(model.get_layer("conv")(x))
    own_head = _numpy(model(x, training=False))
    assert np.array_equal(acts["conv"], own_conv) and np.array_equal(acts["head"], own_head)
    assert acts.layout("conv") == "nhwc"
    with pytest.raises(ValueError, match="did you mean 'conv'"):
        fasttile.capture(model, x, ["cnv"])


def test_onnx_intermediate_tensor_by_node_name(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from activation_models import digits_cnn, digits_onnx

    path = digits_onnx(tmp_path / "cnn.onnx")
    batch = np.random.default_rng(2).random((4, 1, 8, 8), dtype=np.float32)
    acts = fasttile.capture(str(path), batch, ["conv1", "pool"])
    with torch.no_grad():
        expected = digits_cnn()[0](torch.from_numpy(batch)).numpy()
    np.testing.assert_allclose(acts["conv1"], expected, rtol=1e-5, atol=1e-5)  # another engine
    pooled = ort.InferenceSession(str(path)).run(None, {"x": batch})[0]
    assert np.array_equal(acts["pool"], pooled)  # the same engine: exactly its own output
    assert acts.layout("conv1") == "nchw"
    with pytest.raises(ValueError, match="did you mean .*'conv1'"):
        fasttile.capture(str(path), batch, ["conv"])


_FLAX_CHECK = textwrap.dedent(
    """
    import jax
    import numpy as np
    import flax.linen as nn
    import fasttile

    class Block(nn.Module):
        @nn.compact
        def __call__(self, x):
            return nn.relu(nn.Conv(4, (3, 3))(x))

    class Net(nn.Module):
        @nn.compact
        def __call__(self, x):
            x = Block()(x)
            return nn.Dense(2)(x.mean(axis=(1, 2)))

    x = np.random.default_rng(3).standard_normal((2, 6, 6, 3)).astype(np.float32)
    net = Net()
    variables = net.init(jax.random.PRNGKey(0), x)
    acts = fasttile.capture((net, variables), x, ["Block_0.Conv_0", "Dense_0"])
    conv = nn.Conv(4, (3, 3)).apply({"params": variables["params"]["Block_0"]["Conv_0"]}, x)
    assert np.array_equal(acts["Block_0.Conv_0"], np.asarray(conv))
    assert np.array_equal(acts["Dense_0"], np.asarray(net.apply(variables, x)))
    assert acts.layout("Block_0.Conv_0") == "nhwc"
    try:
        fasttile.capture((net, variables), x, ["Block_0.Conv"])
        raise AssertionError("no error for a wrong name")
    except ValueError as exc:
        assert "did you mean 'Block_0.Conv_0'" in str(exc), exc
    print("ok")
    """
)


def test_flax_intermediates_by_module_path():
    # in a child process: once imported, JAX warns on every later os.fork of this one
    pytest.importorskip("flax")
    run = subprocess.run([sys.executable, "-c", _FLAX_CHECK], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stderr[-2000:]


def test_a_module_called_twice_gives_its_first_output():
    shared = torch.nn.Linear(4, 4)

    class Twice(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.shared = shared

        def forward(self, x):
            return self.shared(self.shared(x))

    x = torch.randn(3, 4)
    acts = fasttile.capture(Twice(), x, "shared")
    with torch.no_grad():
        assert np.array_equal(acts["shared"], shared(x).numpy())
    top = fasttile.top_examples(Twice(), x, "shared", k=2)
    assert top.count == 3
