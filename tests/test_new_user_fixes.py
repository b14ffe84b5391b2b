"""What a new user met first (issue 18's "also seen" list), one test each."""

import numpy as np
import pytest

import fasttile
from fasttile.cli.app import main
from fasttile.web.pyramid import read_manifest


def test_mlp_on_digits_suggests_columns_and_says_what_they_draw():
    coefs = np.random.default_rng(0).standard_normal((64, 100))  # MLPClassifier(100).coefs_[0] on digits
    with pytest.warns(fasttile.LayoutWarning, match=r"100 gray 8x8 tiles, the size of an 8x8 digit") as seen:
        fasttile.render(coefs)
    assert seen[0].message.layout == "cols"
    assert fasttile.render(coefs, layout="cols").shape == (10 * 9 + 1, 10 * 9 + 1)


@pytest.mark.parametrize("shape", [(784, 64), (64, 64), (100, 784)])
def test_ties_and_rows_of_common_inputs_stay_silent(shape):
    fasttile.render(np.ones(shape, np.float32))  # filterwarnings=error: any warning fails


def test_ls_names_the_other_reading(tmp_path, capsys):
    np.save(tmp_path / "mlp.npy", np.zeros((784, 100), np.float32))
    assert main(["ls", str(tmp_path / "mlp.npy")]) == 0
    out = capsys.readouterr().out
    assert "--layout cols looks likelier" in out and "100 gray 28x28 tiles" in out


def test_a_torch_layer_renders_its_weight():
    torch = pytest.importorskip("torch")
    conv = torch.nn.Conv2d(3, 4, 3)
    assert np.array_equal(fasttile.render(conv), fasttile.render(conv.weight))
    with pytest.raises(TypeError, match=r"pass one of its tensors, e.g. \.0\.weight"):
        fasttile.render(torch.nn.Sequential(conv))


def test_explicit_nhwc_on_an_nchw_batch_warns():
    with pytest.warns(fasttile.LayoutWarning, match="nchw looks likelier"):
        fasttile.render(np.zeros((2, 64, 32, 32), np.float32), layout="nhwc")


def test_pyramid_title_shows_the_file_name_only(tmp_path):
    np.save(tmp_path / "bank.npy", np.random.default_rng(1).standard_normal((16, 5, 5)).astype(np.float32))
    assert main(["pyramid", str(tmp_path / "bank.npy"), "-o", str(tmp_path / "site"), "-q"]) == 0
    title = read_manifest(tmp_path / "site")["title"]
    assert title.startswith("bank.npy") and str(tmp_path) not in title
