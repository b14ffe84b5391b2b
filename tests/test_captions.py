"""Burned-in labels: pixels change only inside labelled cells, each caption has ink, strips
give the same pixels as the whole image, and tiny cells are skipped with a warning."""

import numpy as np
import pytest

import fasttile
from fasttile.io import captions as labels
from fasttile.io.captions import draw_captions, draw_captions_strip, plan_captions
from fasttile.tiling.render import render_detailed

pytest.importorskip("PIL")
rng = np.random.default_rng(3)
RGB = rng.standard_normal((10, 3, 6, 6)).astype(np.float32)
GRAY = rng.standard_normal((7, 8, 8)).astype(np.float32)


def tile_mask(geometry, shape):
    """True on the pixels of shown tiles (not padding, not empty cells)."""
    mask = np.zeros(shape[:2], bool)
    for t in range(geometry.tiles):
        r, c = geometry.cell_of_tile(t)
        y, x = geometry.padding + r * geometry.cell_height, geometry.padding + c * geometry.cell_width
        mask[y : y + geometry.tile_height, x : x + geometry.tile_width] = True
    return mask


@pytest.mark.parametrize("weights", [RGB, GRAY], ids=["rgb", "gray"])
@pytest.mark.parametrize("labels", ["index", "norm"])
def test_labels_stay_inside_their_cells_and_have_ink(weights, labels):
    options = {"zoom": 6, "padding": 3, "pad_value": 77}
    m = fasttile.mosaic(weights, **options)
    plain = fasttile.render(weights, **options)
    image = draw_captions(plain.copy(), m, labels)
    changed = (image != plain).reshape(image.shape[0], image.shape[1], -1).any(axis=2)
    assert changed.any() and not (changed & ~tile_mask(m, image.shape)).any()
    plan = plan_captions(m, labels)
    for (y, x), text in zip(plan.boxes, plan.texts):
        box = image[y : y + plan.box_height, x : x + plan.box_width]
        assert (box > 200).sum() >= 4 * len(text), f"caption {text!r} has too little ink"
        assert box.min() == 0  # on its black box


def test_texts_are_indices_norms_or_given():
    m = fasttile.mosaic(GRAY, order="norm", top=5, zoom=6)
    norms = np.sqrt((GRAY.astype(np.float64) ** 2).sum(axis=(1, 2)))
    shown = np.argsort(-norms, kind="stable")[:5]
    assert plan_captions(m, "index").texts == [str(u) for u in shown]
    assert plan_captions(m, "norm").texts == [f"{norms[u]:.2g}" for u in shown]
    names = ["a", "b", "c", "d", "e"]
    assert plan_captions(m, names).texts == names
    # the render_detailed result works as a geometry too
    assert (
        plan_captions(render_detailed(GRAY, order="norm", top=5, zoom=6), "index").texts
        == plan_captions(m, "index").texts
    )


def test_strips_burn_the_same_pixels_as_the_whole_image():
    m = fasttile.mosaic(RGB, zoom=7, ncols=3)
    whole = draw_captions(np.asarray(m).copy(), m, "index")
    plan = plan_captions(m, "index")
    parts = [draw_captions_strip(strip.copy(), y0, m, plan) for y0, strip in m.strips(rows=1)]
    assert np.array_equal(np.concatenate(parts), whole)
    odd = np.asarray(m).copy()  # cut at arbitrary rows, through the captions
    for y0 in range(0, odd.shape[0], 5):
        draw_captions_strip(odd[y0 : y0 + 5], y0, m, plan)
    assert np.array_equal(odd, whole)


def test_small_cells_are_skipped_with_a_warning():
    m = fasttile.mosaic(RGB)  # 6x6 px tiles
    image = np.asarray(m).copy()
    with pytest.warns(UserWarning, match="captions skipped: tiles of 6x6 px are too small.*raise zoom"):
        out = draw_captions(image.copy(), m, "index")
    assert np.array_equal(out, image)


def test_long_labels_are_shortened_and_bad_labels_refused():
    m = fasttile.mosaic(GRAY, zoom=3)  # 24 px tiles
    plan = plan_captions(m, ["a very long caption indeed"] * 7)
    assert all(0 < len(t) < 26 for t in plan.texts)
    with pytest.raises(ValueError, match="captions has 2 entries but the mosaic shows 7 tiles"):
        plan_captions(m, ["a", "b"])
    with pytest.raises(ValueError, match="captions must be 'index', 'norm' or a list"):
        plan_captions(m, "names")


@pytest.mark.parametrize("ext", ["png", "tif", "npy"])
def test_save_burns_labels_band_by_band(tmp_path, ext):
    import tifffile
    from PIL import Image

    bank = np.random.default_rng(7).standard_normal((30, 3, 6, 6)).astype(np.float32)
    whole = fasttile.render(bank, zoom=6)
    labels.draw_captions(whole, fasttile.mosaic(bank, zoom=6), "norm")
    path = tmp_path / f"m.{ext}"
    fasttile.save(bank, path, captions="norm", zoom=6, rows=1)
    if ext == "png":
        with Image.open(path) as im:
            back = np.asarray(im)
    else:
        back = tifffile.imread(path) if ext == "tif" else np.load(path)
    assert np.array_equal(back, whole)
    assert not np.array_equal(back, fasttile.render(bank, zoom=6))  # the captions are there


def test_labels_in_a_window_of_any_offset():
    bank = np.random.default_rng(8).standard_normal((20, 64)).astype(np.float32)
    m = fasttile.mosaic(bank, zoom=5)
    whole = fasttile.render(bank, zoom=5)
    plan = labels.plan_captions(m, "index")
    plan.draw(whole)
    part = fasttile.render(bank, zoom=5)[13:77, 29:101].copy()
    assert np.array_equal(plan.draw(part, 13, 29), whole[13:77, 29:101])
