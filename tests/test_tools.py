"""save (PNG), show (matplotlib), the command-line tool and the demo."""

import subprocess
import sys

import matplotlib
import numpy as np
import pytest

import fasttile

matplotlib.use("Agg")
from PIL import Image  # noqa: E402

rng = np.random.default_rng(2)


def read_png(path):
    with Image.open(path) as im:
        return np.asarray(im)


RGB = rng.standard_normal((20, 75)).astype(np.float32)
GRAY = rng.standard_normal((7, 3, 3, 3)).astype(np.float32)


@pytest.mark.parametrize(
    "weights, kw", [(RGB, {}), (GRAY, {"channel": 0}), (GRAY, {"channel": 1, "cmap": "magma"})]
)
def test_png_decodes_to_the_rendered_array(tmp_path, weights, kw):
    path = tmp_path / "m.png"
    returned = fasttile.save(weights, path, **kw)
    decoded = read_png(path)
    assert np.array_equal(decoded, fasttile.render(weights, **kw))
    assert returned.shape == decoded.shape and returned.format == "png" and returned.path == path
    with Image.open(path) as im:
        assert im.mode == ("L" if decoded.ndim == 2 else "RGB")


def test_png_compress_levels(tmp_path):
    sizes = {}
    for level in (0, 9):
        fasttile.save(RGB, tmp_path / f"{level}.png", compress_level=level, zoom=4)
        sizes[level] = (tmp_path / f"{level}.png").stat().st_size
    assert sizes[9] < sizes[0]
    with pytest.raises(ValueError, match="level must be"):
        fasttile.save(RGB, tmp_path / "x.png", compress_level=11)


def test_large_png(tmp_path):
    w = np.zeros((1, 20000 * 2), np.float32)
    fasttile.save(w, tmp_path / "wide.png", tile_shape=(2, 20000), padding=0)
    with Image.open(tmp_path / "wide.png") as im:
        assert im.size == (20000, 2)


def test_show_draws_the_mosaic_unchanged():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    artist = fasttile.show(RGB, ax=ax, labels="index", title="filters")
    assert np.array_equal(np.asarray(artist.get_array()), fasttile.render(RGB))
    assert artist.get_interpolation() == "nearest"
    assert ax.get_title() == "filters" and len(ax.texts) == 20 and ax.texts[3].get_text() == "3"
    gray = fasttile.show(GRAY, channel=0, labels="norm", order="norm")
    assert gray.get_clim() == (0, 255)
    norms = np.sqrt((GRAY[:, 0].astype(np.float64) ** 2).sum(axis=(1, 2)))
    assert gray.axes.texts[0].get_text() == f"{norms.max():.2g}"
    plt.close("all")


def run_cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "fasttile", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_cli_render_npy_npz_and_options(tmp_path):
    np.save(tmp_path / "w.npy", GRAY)
    np.savez(tmp_path / "w.npz", conv1=GRAY, fc=RGB)
    r = run_cli("render", "w.npy", "-o", "a.png", "--zoom", "2", "--pad-value", "255,0,0", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    expected = fasttile.render(GRAY, zoom=2, pad_value=(255, 0, 0))
    assert np.array_equal(read_png(tmp_path / "a.png"), expected)
    r = run_cli(
        "render",
        "w.npz",
        "--key",
        "fc",
        "-o",
        "b.png",
        "--normalize",
        "global",
        "--indices",
        "2:12",
        "--order",
        "norm",
        "--ncols",
        "5",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    expected = fasttile.render(RGB, normalize="global", indices=slice(2, 12), order="norm", ncols=5)
    assert np.array_equal(read_png(tmp_path / "b.png"), expected)
    r = run_cli("render", "w.npz", cwd=tmp_path)  # picks the first-layer-looking tensor
    assert r.returncode == 0 and "conv1" in r.stderr
    assert (tmp_path / "filters.png").exists()


def test_cli_ls(tmp_path):
    np.savez(tmp_path / "w.npz", conv1=GRAY, bias=np.zeros(3, np.float32))
    r = run_cli("ls", "w.npz", cwd=tmp_path)
    assert r.returncode == 0
    assert "first-layer filters" in r.stdout and "not renderable" in r.stdout


def test_cli_torch_state_dict(tmp_path):
    torch = pytest.importorskip("torch")
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 5), torch.nn.Conv2d(8, 4, 3))
    torch.save(net.state_dict(), tmp_path / "m.pt")
    r = run_cli("render", "m.pt", "--key", "0.weight", "-o", "t.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert np.array_equal(read_png(tmp_path / "t.png"), fasttile.render(net[0].weight))


def test_cli_safetensors(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    st.save_file({"w": np.ascontiguousarray(GRAY)}, str(tmp_path / "m.safetensors"))
    r = run_cli("render", "m.safetensors", "-o", "s.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert np.array_equal(read_png(tmp_path / "s.png"), fasttile.render(GRAY))


@pytest.mark.parametrize(
    "args, message",
    [
        (("render", "missing.npy"), "no such file"),
        (("render", "w.npz", "--key", "nope"), "has no tensor 'nope'"),
        (("render", "w.npz", "--key", "bias"), "2, 3 or 4 dimensions"),
        (("render", "w.txt"), "unknown file type"),
        (("render", "pickled.npy"), "never loads"),
        (("render", "w.npz", "--key", "nan"), "non-finite"),
        (("render", "w.npz", "--key", "conv1", "--tile-shape", "3,3"), "tile_shape applies to 2-D"),
        (("render", "garbage.pt"), "cannot be read"),
    ],
)
def test_cli_errors_are_one_line_exit_2(tmp_path, args, message):
    np.savez(
        tmp_path / "w.npz", conv1=GRAY, bias=np.zeros(3, np.float32), nan=np.full((2, 4), np.nan, np.float32)
    )
    (tmp_path / "w.txt").write_text("x")
    np.save(tmp_path / "pickled.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "garbage.pt").write_bytes(b"not a checkpoint")
    if args[1] == "garbage.pt":
        pytest.importorskip("torch")
    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_cli_missing_optional_extra(tmp_path, monkeypatch):
    from fasttile import cli

    (tmp_path / "m.h5").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "h5py", None)  # import fails
    assert cli.main(["render", str(tmp_path / "m.h5")]) == 2


def test_demo_renders_learned_filters(tmp_path):
    r = run_cli("demo", "-o", "d.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    img = read_png(tmp_path / "d.png")
    assert img.shape == (8 * 33 + 1, 8 * 33 + 1, 3)
    tiles = img[1:, 1:].reshape(8, 33, 8, 33, 3)[:, :32, :, :32]
    assert tiles.min() == 0 and tiles.max() == 255
    assert tiles.std() > 30  # structured, not flat gray


def test_cli_keras_h5_and_keras_archive(tmp_path):
    h5py = pytest.importorskip("h5py")
    import zipfile

    kernel = np.ascontiguousarray(GRAY.transpose(2, 3, 1, 0))  # Keras stores conv kernels HWIO
    dense = RGB.T.copy()  # and dense kernels (inputs, units): one tile per column
    with h5py.File(tmp_path / "model.weights.h5", "w") as f:
        f["layers/conv2d/vars/0"] = kernel
        f["layers/dense/vars/0"] = dense
    with zipfile.ZipFile(tmp_path / "model.keras", "w") as z:
        z.write(tmp_path / "model.weights.h5", "model.weights.h5")
    for name in ("model.weights.h5", "model.keras"):
        r = run_cli("render", name, "--key", "layers/conv2d/vars/0", "-o", "k.png", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert np.array_equal(read_png(tmp_path / "k.png"), fasttile.render(GRAY))
    r = run_cli("render", "model.keras", "--key", "layers/dense/vars/0", "-o", "d.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert np.array_equal(read_png(tmp_path / "d.png"), fasttile.render(RGB))
    r = run_cli("ls", "model.keras", cwd=tmp_path)
    assert "hwio" in r.stdout and "first-layer filters" in r.stdout
