"""fasttile.pyramid: tiles read back with Pillow equal render's pixels (zoom max_zoom) and
an independent 2x2 average (coarser zooms); the sidecar decodes to NumPy's statistics."""

from __future__ import annotations

import base64
import importlib
import json
import os
import re
from io import BytesIO

import numpy as np
import pytest

import fasttile
from fasttile.cli.zoom import choose_zoom
from fasttile.kernel import reduce
from fasttile.web.sidecar import FACTS_CHUNK, UNITS_CHUNK, jsonp

Image = pytest.importorskip("PIL.Image")
pyr = importlib.import_module("fasttile.web.pyramid")  # the module (fasttile.pyramid is the function)


def reference_halve(img: np.ndarray) -> np.ndarray:
    """The documented rule, written independently: pad odd edges by repetition, then
    (a + b + c + d + 2) // 4 over each 2x2 block, in int64."""
    pad = [(0, img.shape[0] % 2), (0, img.shape[1] % 2)] + [(0, 0)] * (img.ndim - 2)
    p = np.pad(img.astype(np.int64), pad, mode="edge")
    blocks = p.reshape(p.shape[0] // 2, 2, p.shape[1] // 2, 2, *p.shape[2:])
    return ((blocks.sum(axis=(1, 3)) + 2) // 4).astype(np.uint8)


def read_level(folder: str, zoom: int, fmt: str = "png") -> np.ndarray:
    """Assemble one zoom level from its tile files with Pillow."""
    base = os.path.join(folder, "tiles", str(zoom))
    cols = []
    for x in range(len(os.listdir(base))):
        column = os.path.join(base, str(x))
        files = sorted(os.listdir(column), key=lambda name: int(name.split(".")[0]))
        assert [f"{y}.{fmt}" for y in range(len(files))] == files
        cols.append(np.concatenate([np.asarray(Image.open(os.path.join(column, f))) for f in files]))
    return np.concatenate(cols, axis=1)


def read_chunk(path: str, kind: str, k: int) -> dict:
    with open(path, encoding="ascii") as f:
        text = f.read()
    found = re.fullmatch(r'FasttileSite\.chunk\("(\w+)",(\d+),(.*)\);\n', text, re.S)
    assert found and found.group(1) == kind and int(found.group(2)) == k
    return json.loads(found.group(3))


def decode(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.dtype(dtype).newbyteorder("<"))


@pytest.fixture
def bank():
    rng = np.random.default_rng(11)
    w = rng.standard_normal((1500, 8 * 8)).astype(np.float32)
    w[[3, 700]] = 0.0  # dead: all zero
    w[5] = 0.25  # dead: constant
    return w


def test_level_sizes_halve_rounding_up():
    assert pyr.level_sizes(256, 10) == [(256, 10)]
    assert pyr.level_sizes(681, 300) == [(171, 75), (341, 150), (681, 300)]


def test_reduce2_rounds_half_up_and_repeats_odd_edges():
    assert reduce.reduce2(np.array([[0, 1], [1, 1]], np.uint8)).tolist() == [[1]]  # (3 + 2) // 4
    assert reduce.reduce2(np.array([[0, 1], [0, 1]], np.uint8)).tolist() == [[1]]  # 2/4 -> 1 (half up)
    assert reduce.reduce2(np.array([[0, 0], [0, 1]], np.uint8)).tolist() == [[0]]
    assert reduce.reduce2(np.array([[255, 255], [255, 254]], np.uint8)).tolist() == [[255]]
    assert reduce.reduce2(np.array([[10, 20, 30]], np.uint8)).tolist() == [[15, 30]]
    rng = np.random.default_rng(0)
    for shape in [(67, 45), (64, 3, 3), (1, 1), (33, 1, 3), (64, 2001), (1, 2), (2, 1), (5, 7, 3)]:
        img = rng.integers(0, 256, shape, dtype=np.uint8)
        assert np.array_equal(reduce.reduce2(img), reference_halve(img))


@pytest.mark.parametrize(
    "options", [{"zoom": 2}, {"tile_shape": (8, 8), "cmap": "viridis", "padding": 2, "zoom": 2}]
)
def test_every_level_matches_render_and_the_halving_rule(tmp_path, bank, options):
    folder = str(tmp_path / "site")
    info = fasttile.pyramid(bank, folder, order="norm", **options)
    expected = fasttile.render(bank, order="norm", **options)
    manifest = pyr.read_manifest(folder)
    assert info.max_zoom == manifest["max_zoom"] == 2
    assert (manifest["height"], manifest["width"]) == expected.shape[:2]
    level = read_level(folder, info.max_zoom)
    assert level.dtype == np.uint8 and np.array_equal(level, expected)  # byte for byte
    for zoom in range(info.max_zoom - 1, -1, -1):
        expected = reference_halve(expected)
        assert np.array_equal(read_level(folder, zoom), expected), f"zoom {zoom}"
    assert max(expected.shape[:2]) <= 256


def test_strips_of_any_height_give_the_same_tiles(tmp_path):
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (700, 530, 3), dtype=np.uint8)
    cuts = [0, 1, 200, 256, 511, 513, 700]
    strips = [(a, image[a:b]) for a, b in zip(cuts, cuts[1:])]
    calls = []
    total = pyr.write_levels(
        iter(strips),
        image.shape,
        str(tmp_path),
        fmt="png",
        encode=pyr._encoder("png", 1),
        threads=2,
        progress=lambda done, n: calls.append((done, n)),
    )
    assert calls[-1] == (total, total) and total == 3 * 3 + 2 * 2 + 1
    level = np.concatenate(
        [
            np.concatenate(
                [np.asarray(Image.open(tmp_path / "2" / str(x) / f"{y}.png")) for y in range(3)], axis=0
            )
            for x in range(3)
        ],
        axis=1,
    )
    assert np.array_equal(level, image)


def test_sidecar_holds_each_tiles_facts_in_display_order(tmp_path, bank):
    labels = [f"feature {i}" for i in range(len(bank))]
    folder = tmp_path / "site"
    info = fasttile.pyramid(bank, folder, order="norm", indices=slice(0, 1400), labels=labels)
    values = bank.astype(np.float64)
    norms = np.sqrt((values**2).sum(axis=1))
    shown = np.argsort(-norms[:1400], kind="stable")  # indices 0..1399, largest norm first
    facts = [read_chunk(folder / "facts" / f"{k}.js", "facts", k) for k in range(-(-1400 // FACTS_CHUNK))]
    units = np.concatenate([decode(f["unit"], "int32") for f in facts])
    stats = np.concatenate([decode(f["stats"], "float64") for f in facts]).reshape(-1, 3)
    assert np.array_equal(units, shown)
    np.testing.assert_allclose(stats[:, 0], norms[shown], rtol=1e-12)
    assert np.array_equal(stats[:, 1], values[shown].min(axis=1))
    assert np.array_equal(stats[:, 2], values[shown].max(axis=1))
    assert sum((f["labels"] for f in facts), []) == [labels[u] for u in shown]
    dead = np.concatenate([decode(f["dead"], "uint8") for f in facts]).astype(bool)
    assert set(units[dead]) == {3, 5, 700} and info.dead_tiles == 3
    bits = read_chunk(folder / "dead" / "0.js", "dead", 0)["bits"]
    assert np.array_equal(np.unpackbits(decode(bits, "uint8"))[:1400].astype(bool), dead)
    where = decode(read_chunk(folder / "units" / "0.js", "units", 0)["tile"], "int32")
    assert len(where) == min(UNITS_CHUNK, len(bank))
    expected = np.full(len(bank), -1)
    expected[shown] = np.arange(1400)
    assert np.array_equal(where, expected)


def test_split_channels_get_one_fact_per_channel(tmp_path):
    rng = np.random.default_rng(3)
    w = rng.standard_normal((7, 5, 6, 6))  # oihw, 5 channels: one gray tile per channel
    folder = tmp_path / "site"
    fasttile.pyramid(w, folder)
    manifest = pyr.read_manifest(folder)
    assert manifest["inner"] == 5 and manifest["tiles"] == 35
    facts = read_chunk(folder / "facts" / "0.js", "facts", 0)
    stats = decode(facts["stats"], "float64").reshape(-1, 3)
    per_tile = w.reshape(35, 36)
    assert np.array_equal(decode(facts["unit"], "int32"), np.repeat(np.arange(7), 5))
    np.testing.assert_allclose(stats[:, 0], np.linalg.norm(per_tile, axis=1), rtol=1e-12)
    assert np.array_equal(stats[:, 1:], np.stack([per_tile.min(1), per_tile.max(1)], axis=1))
    where = decode(read_chunk(folder / "units" / "0.js", "units", 0)["tile"], "int32")
    assert where.tolist() == [0, 5, 10, 15, 20, 25, 30]


def test_webp_tiles_are_lossless(tmp_path, bank):
    if "WEBP" not in Image.registered_extensions().values():
        pytest.skip("this Pillow has no WebP support")
    folder = str(tmp_path / "site")
    info = fasttile.pyramid(bank[:300], folder, tiles=".webp", tile_shape=(8, 8))
    level = read_level(folder, info.max_zoom, "webp")
    gray = fasttile.render(bank[:300], tile_shape=(8, 8))
    assert np.array_equal(level[..., 0] if level.ndim == 3 else level, gray)


def test_rewrites_its_own_folder_and_refuses_others(tmp_path, bank):
    folder = tmp_path / "site"
    fasttile.pyramid(bank[:10], folder)
    fasttile.pyramid(bank[:20], folder)  # a pyramid may replace a pyramid
    assert pyr.read_manifest(folder)["bank_units"] == 20
    other = tmp_path / "docs"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="holds no fasttile pyramid"):
        fasttile.pyramid(bank, other)
    assert os.listdir(other) == ["notes.txt"]
    with pytest.raises(ValueError, match=r"tiles must be one of .png, .webp"):
        fasttile.pyramid(bank, tmp_path / "x", tiles=".jpeg")
    with pytest.raises(ValueError, match="labels has 3 entries but the bank has 1500 units"):
        fasttile.pyramid(bank, tmp_path / "x", labels=["a", "b", "c"])
    assert sorted(os.listdir(tmp_path)) == ["docs", "site"]  # no partial folder left behind


def test_site_ships_the_viewer_and_leaflet_licence(tmp_path, bank):
    folder = tmp_path / "site"
    fasttile.pyramid(bank[:10], folder, title="<script>alert(1)</script>")
    html = (folder / "index.html").read_text()
    assert "alert" not in html  # the page itself is a fixed template: no data in it
    assert "BSD-2-clause" in (folder / "fasttile" / "leaflet" / "LICENSE").read_text()
    assert pyr.read_manifest(folder)["title"] == "<script>alert(1)</script>"
    text = jsonp("facts", 0, {"labels": ["</script>\u2028"]})
    assert text.isascii() and "\\u2028" in text  # JSON's escapes keep it one JavaScript string


def test_cli_pyramid_writes_the_site_and_names_bad_flags(tmp_path, bank, capsys):
    from fasttile.cli.app import main

    np.save(tmp_path / "bank.npy", bank)
    (tmp_path / "labels.txt").write_text("\n".join(f"<b>{i}</b>" for i in range(len(bank))), encoding="utf-8")
    site = tmp_path / "site"
    argv = ["pyramid", str(tmp_path / "bank.npy"), "-o", str(site), "--zoom", "2", "--order", "norm"]
    assert main(argv + ["--labels", str(tmp_path / "labels.txt"), "--dead", "hide"]) == 0
    err = capsys.readouterr().err
    assert "zoom 0..2" in err and "index.html" in err
    manifest = pyr.read_manifest(site)
    assert manifest["title"] == "bank.npy: bank" and manifest["tiles"] == 1497  # the name, not the path
    level = read_level(str(site), 2)
    assert np.array_equal(level, fasttile.render(bank, zoom=2, order="norm", dead="hide"))
    (tmp_path / "short.txt").write_text("a\nb\n")
    assert main(argv + ["--labels", str(tmp_path / "short.txt")]) == 2
    err = capsys.readouterr().err
    assert err == "fasttile: error: labels has 2 entries but the bank has 1500 units\n"
    assert main(["pyramid", str(tmp_path / "missing.npy"), "-o", str(site)]) == 2
    assert "no such file" in capsys.readouterr().err


def test_tile_png_encoder_round_trips_through_pillow_and_pngcheck(tmp_path):
    import shutil
    import subprocess

    rng = np.random.default_rng(12)
    cases = {
        "noise": rng.integers(0, 256, (256, 256), dtype=np.uint8),  # stored unfiltered
        "smooth": np.add.outer(np.arange(200), np.arange(37)).astype(np.uint8),  # Up filter
        "rgb": rng.integers(0, 256, (17, 256, 3), dtype=np.uint8),
        "pixel": np.array([[7]], dtype=np.uint8),
    }
    for name, tile in cases.items():
        for level in ("fast", "small", "none"):
            data = pyr.encode_tile(tile, level)
            assert np.array_equal(np.asarray(Image.open(BytesIO(data))), tile), (name, level)
            path = tmp_path / f"{name}-{level}.png"
            path.write_bytes(data)
    if shutil.which("pngcheck"):
        files = sorted(str(p) for p in tmp_path.iterdir())
        done = subprocess.run(["pngcheck", "-q", *files], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_a_failure_midway_leaves_nothing_behind(tmp_path, bank):
    bad = bank.copy()
    bad[1400, 3] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        fasttile.pyramid(bad, tmp_path / "site", zoom=2)
    assert os.listdir(tmp_path) == []

    def stop(done, total):
        if done > 3:
            raise KeyboardInterrupt

    fasttile.pyramid(bank[:200], tmp_path / "site")
    before = pyr.read_manifest(tmp_path / "site")
    with pytest.raises(KeyboardInterrupt):
        fasttile.pyramid(bank, tmp_path / "site", zoom=2, progress=stop)
    assert os.listdir(tmp_path) == ["site"] and pyr.read_manifest(tmp_path / "site") == before


def test_the_fasttile_command_runs_pyramid(tmp_path, bank):
    from fasttile.cli.app import main as fasttile_cli

    np.save(tmp_path / "bank.npy", bank[:100])
    assert fasttile_cli(["pyramid", str(tmp_path / "bank.npy"), "-o", str(tmp_path / "site"), "-q"]) == 0
    zoom, padding, _ = choose_zoom(bank[:100], {})  # the command line's picture, about 512 px
    finest = pyr.read_manifest(tmp_path / "site")["max_zoom"]
    expected = fasttile.render(bank[:100], zoom=zoom, padding=padding)
    assert zoom > 1 and np.array_equal(read_level(str(tmp_path / "site"), finest), expected)


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (6, 1), (7, 9), (32, 33, 3), (65, 2, 3), (300, 513)])
def test_kernel_reduce2_equals_the_numpy_rule(shape):
    image = np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)
    expected = reduce.reduce2_numpy(image)
    assert np.array_equal(reduce.reduce2(image), expected)
    assert np.array_equal(
        reduce.reduce2(image[:, ::-1]), reduce.reduce2_numpy(image[:, ::-1])
    )  # strided: NumPy
    if len(shape) == 2 and shape[0] >= 2 and shape[1] >= 2:  # the rule by hand on a 2x2 block
        assert expected[0, 0] == (sum(int(v) for v in image[:2, :2].ravel()) + 2) // 4
