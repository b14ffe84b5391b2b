"""save (PNG), show (matplotlib) and the demo; the command line is tested in test_cli*.py."""

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
        fasttile.save(RGB, tmp_path / f"{level}.png", level=level, zoom=4)
        sizes[level] = (tmp_path / f"{level}.png").stat().st_size
    assert sizes[9] < sizes[0]
    with pytest.raises(ValueError, match="level must be"):
        fasttile.save(RGB, tmp_path / "x.png", level=11)


def test_large_png(tmp_path):
    w = np.zeros((1, 20000 * 2), np.float32)
    fasttile.save(w, tmp_path / "wide.png", tile_shape=(2, 20000), padding=0)
    with Image.open(tmp_path / "wide.png") as im:
        assert im.size == (20000, 2)


def test_show_draws_the_mosaic_unchanged():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    artist = fasttile.show(RGB, ax=ax, captions="index", title="filters")
    assert np.array_equal(np.asarray(artist.get_array()), fasttile.render(RGB))
    assert artist.get_interpolation() == "nearest"
    assert ax.get_title() == "filters" and len(ax.texts) == 20 and ax.texts[3].get_text() == "3"
    gray = fasttile.show(GRAY, channel=0, captions="norm", order="norm")
    assert gray.get_clim() == (0, 255)
    norms = np.sqrt((GRAY[:, 0].astype(np.float64) ** 2).sum(axis=(1, 2)))
    assert gray.axes.texts[0].get_text() == f"{norms.max():.2g}"
    plt.close("all")


def run_cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "fasttile", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_demo_renders_learned_filters(tmp_path):
    r = run_cli("demo", "-o", "d.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    img = read_png(tmp_path / "d.png")
    assert img.shape == (8 * 33 + 1, 8 * 33 + 1, 3)
    tiles = img[1:, 1:].reshape(8, 33, 8, 33, 3)[:, :32, :, :32]
    assert tiles.min() == 0 and tiles.max() == 255
    assert tiles.std() > 30  # structured, not flat gray
    assert "warning" not in r.stderr  # the demo draws its filters without a layout hint
