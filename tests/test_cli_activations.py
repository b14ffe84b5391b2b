"""`fasttile activations` and `fasttile top-examples` on an ONNX model run by onnxruntime."""

import sys

import numpy as np
import pytest

import fasttile
from fasttile.cli.app import main

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("torch")
from activation_models import digits, digits_onnx  # noqa: E402


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return str(digits_onnx(tmp_path_factory.mktemp("onnx") / "digits.onnx"))


def _png(path):
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image)


def _error(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("fasttile: error:")
    return err


def test_list_layers(model, capsys):
    assert main(["activations", model, "--list-layers"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == ["conv1", "Conv", "t_conv1"] and len(lines) == 5


def test_maps_of_a_npy_input_equal_feature_maps(model, tmp_path):

    batch = digits()[0][:1]
    np.save(tmp_path / "one.npy", batch)
    out = tmp_path / "maps.png"
    assert main(["activations", model, "--input", str(tmp_path / "one.npy"), "--layer", "relu2",
                 "--zoom", "2", "--padding", "1", "-o", str(out), "-q"]) == 0  # fmt: skip
    expected = fasttile.feature_maps(model, batch, "relu2", zoom=2)
    assert np.array_equal(_png(out), expected)


def test_maps_of_an_image_file(model, tmp_path):
    from PIL import Image

    picture = (digits()[0][5, 0] * 255).astype(np.uint8)
    Image.fromarray(picture).resize((32, 32)).save(tmp_path / "digit.png")
    out = tmp_path / "maps.png"
    assert main(["activations", model, "--input", str(tmp_path / "digit.png"), "--layer", "conv1",
                 "-o", str(out), "-q"]) == 0  # fmt: skip
    assert _png(out).shape[0] > 0


def test_top_examples_cards_from_a_npy(model, tmp_path):

    images = digits()[0][:300]
    np.save(tmp_path / "digits.npy", images)
    out = tmp_path / "cards.png"
    argv = ["top-examples", model, "--inputs", str(tmp_path / "digits.npy"), "--layer", "relu2", "-k", "4",
            "--batch-size", "64", "--order", "frequency", "-o", str(out), "-q"]  # fmt: skip
    assert main(argv) == 0
    top = fasttile.top_examples(model, images, "relu2", k=4)
    expected = fasttile.cards(top, images, order="frequency")
    assert np.array_equal(_png(out), expected.image)


def test_top_examples_over_a_folder_of_images(model, tmp_path):
    from PIL import Image

    folder = tmp_path / "pictures"
    folder.mkdir()
    for i in range(6):
        Image.fromarray((digits()[0][i, 0] * 255).astype(np.uint8)).save(folder / f"{i}.png")
    out = tmp_path / "cards.png"
    assert main(["top-examples", model, "--inputs", str(folder), "--layer", "conv2", "-k", "3",
                 "--field", "5", "-o", str(out), "-q"]) == 0  # fmt: skip
    assert out.exists()


def test_one_line_errors(model, tmp_path, capsys):
    np.save(tmp_path / "flat.npy", np.zeros((2, 64), np.float32))
    assert "did you mean" in _error(capsys, ["activations", model, "--input", str(tmp_path / "flat.npy"),
                                             "--layer", "conv"])  # fmt: skip
    err = _error(capsys, ["activations", model, "--input", str(tmp_path / "flat.npy"), "--layer", "conv1"])
    assert "(2, 64)" in err and "(?, 1, 8, 8)" in err
    assert "--layer" in _error(capsys, ["top-examples", model, "--inputs", str(tmp_path / "flat.npy")])
    assert "ONNX" in _error(capsys, ["activations", str(tmp_path / "flat.npy"), "--list-layers"])


def test_a_missing_extra_names_it(model, tmp_path, capsys, monkeypatch):
    np.save(tmp_path / "one.npy", digits()[0][:1])
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if it were not installed
    err = _error(capsys, ["activations", model, "--input", str(tmp_path / "one.npy"), "--layer", "conv1"])
    assert "pip install 'fasttile[activations]'" in err
