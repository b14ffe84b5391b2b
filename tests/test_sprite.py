"""fasttile.sprite: a TensorBoard Projector folder, read back by TensorBoard's own config
parser and tensor reader and by Pillow, compared with render and NumPy."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import fasttile

Image = pytest.importorskip("PIL.Image")
sprite_module = importlib.import_module("fasttile.web.sprite")  # fasttile.sprite is the function


def read_config(path):
    text_format = pytest.importorskip("google.protobuf.text_format")
    pb = pytest.importorskip("tensorboard.plugins.projector.projector_config_pb2")
    return text_format.Parse(path.read_text(), pb.ProjectorConfig())


def test_small_bank_sprite_is_the_render_without_padding(tmp_path):
    rng = np.random.default_rng(4)
    w = rng.standard_normal((50, 8 * 8 * 3)).astype(np.float32)
    labels = [f"f{i}" for i in range(50)]
    labels[3] = "tab\there\nnewline"
    info = fasttile.sprite(w, tmp_path, order="norm", top=40, labels=labels, tensor_name='enc "W"\u00e9')
    shown = np.argsort(-np.linalg.norm(w.astype(np.float64), axis=1), kind="stable")[:40]
    sprite = np.asarray(Image.open(tmp_path / "sprite.png"))
    assert info.points == 40 and info.tile_shape == (8, 8)
    assert np.array_equal(sprite, fasttile.render(w, indices=shown, padding=0, ncols=7))
    config = read_config(tmp_path / "projector_config.pbtxt")
    (emb,) = config.embeddings
    assert emb.tensor_name == 'enc "W"\u00e9' and list(emb.tensor_shape) == [40, 192]
    assert list(emb.sprite.single_image_dim) == [8, 8] and emb.sprite.image_path == "sprite.png"
    rows = (tmp_path / "metadata.tsv").read_text().splitlines()
    assert rows[0] == "index\tnorm\tlabel" and len(rows) == 41
    cells = [r.split("\t") for r in rows[1:]]
    assert [int(c[0]) for c in cells] == shown.tolist()
    np.testing.assert_allclose([float(c[1]) for c in cells], np.linalg.norm(w[shown], axis=1), rtol=1e-5)
    assert cells[shown.tolist().index(3)][2] == "tab here newline"
    plugin = pytest.importorskip("tensorboard.plugins.projector.projector_plugin")
    tensor = plugin._read_tensor_tsv_file(str(tmp_path / emb.tensor_path))
    np.testing.assert_allclose(tensor, w[shown], rtol=1e-6)


def test_large_banks_shrink_tiles_to_fit(tmp_path, monkeypatch):
    monkeypatch.setattr(sprite_module, "MAX_SPRITE", 70)  # 10 x 10 tiles of 28: shrink by 4
    rng = np.random.default_rng(8)
    w = rng.standard_normal((100, 28, 28))
    info = fasttile.sprite(w, tmp_path)
    assert info.tile_shape == (7, 7) and info.sprite_shape == (70, 70)
    full = fasttile.render(w, padding=0, ncols=10).astype(np.int64)
    blocks = full.reshape(70, 4, 70, 4).sum(axis=(1, 3))
    expected = ((blocks + 8) // 16).astype(np.uint8)  # 4x4 area mean, half up, in integers
    assert np.array_equal(np.asarray(Image.open(tmp_path / "sprite.png")), expected)


def test_shrink_by_a_fractional_factor_is_an_area_average():
    rng = np.random.default_rng(9)
    tiles = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
    got = sprite_module.shrink_tiles(tiles, 10, 10).astype(np.int64)
    # exact rational area average: upsample by 10, then average 28x28 blocks
    up = np.repeat(np.repeat(tiles.astype(np.int64), 10, axis=1), 10, axis=2)
    sums = up.reshape(20, 10, 28, 10, 28).sum(axis=(2, 4))
    exact = (2 * sums + 28 * 28) // (2 * 28 * 28)
    assert np.abs(got - exact).max() <= 1 and (got == exact).mean() > 0.99
    weights = sprite_module.area_weights(28, 10)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)


def test_bad_sprite_options_are_named(tmp_path):
    w = np.zeros((4, 5, 5, 5))  # five channels: split into gray tiles by default
    with pytest.raises(ValueError, match="drop padding, zoom"):
        fasttile.sprite(w, tmp_path, padding=1, zoom=2, channel=0)
    with pytest.raises(ValueError, match="pass channel=k or channel='mean'"):
        fasttile.sprite(w, tmp_path)
    with pytest.raises(ValueError, match="labels has 1 entries"):
        fasttile.sprite(w, tmp_path, channel="mean", labels=["x"])


def test_cli_sprite(tmp_path, capsys):
    from fasttile.cli.app import main

    w = np.random.default_rng(2).standard_normal((30, 10, 10)).astype(np.float32)
    np.save(tmp_path / "w.npy", w)
    out = tmp_path / "proj"
    assert main(["sprite", str(tmp_path / "w.npy"), "-o", str(out), "--cmap", "viridis"]) == 0
    assert "tensorboard --logdir" in capsys.readouterr().err
    sprite = np.asarray(Image.open(out / "sprite.png"))
    assert np.array_equal(sprite, fasttile.render(w, padding=0, ncols=6, cmap="viridis"))
    assert read_config(out / "projector_config.pbtxt").embeddings[0].tensor_name == "w"
    assert main(["sprite", str(tmp_path / "w.npy"), "-o", str(tmp_path / "p2"), "--no-tensors"]) == 0
    (emb,) = read_config(tmp_path / "p2" / "projector_config.pbtxt").embeddings
    assert emb.tensor_path == "" and not (tmp_path / "p2" / "tensors.tsv").exists()
    capsys.readouterr()
    assert main(["sprite", str(tmp_path / "w.npy"), "-o", str(out), "--padding", "3"]) == 2
    assert capsys.readouterr().err == (
        "fasttile: error: --padding does not apply: the projector fixes the sprite's grid\n"
    )
