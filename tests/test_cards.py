"""cards: each unit's top examples as a card, cards as one mosaic."""

import numpy as np
import pytest

import fasttile
from fasttile.activations.cards import crop_box

torch = pytest.importorskip("torch")
from activation_models import digits, digits_cnn  # noqa: E402


@pytest.fixture(scope="module")
def top():
    return fasttile.top_examples(digits_cnn(), digits()[0], "3", k=4)


def test_a_card_is_the_units_examples_and_the_mosaic_places_cards_exactly(top):
    images = digits()[0]
    result = fasttile.cards(top, images, units=[3, 7])
    first = fasttile.render(images[top.indices[3]], layout="nchw", ncols=2)  # 1 channel: gray tiles
    assert np.array_equal(result.stack[0], first)
    assert result.stack.shape == (2, 19, 19)  # 2 x 2 examples of 8x8 with padding 1
    assert np.array_equal(result.image[1:20, 1:20], first)  # render at the cards' own levels
    assert np.array_equal(result.image, fasttile.render(result.stack, **result.layout_options))
    assert [f["unit"] for f in result.facts] == [3, 7]
    assert result.facts[1]["top_indices"] == [int(i) for i in top.indices[7]]


def test_order_by_frequency_and_dead_units(top):
    images = digits()[0]
    dense_first = fasttile.cards(top, images, order="frequency", count=5)
    assert np.all(np.diff(top.frequency[dense_first.units]) <= 0) and len(dense_first.units) == 5
    rare_first = fasttile.cards(top, images, order="rare")
    assert np.all(np.diff(top.frequency[rare_first.units]) >= 0)
    alive = fasttile.cards(top, images, dead="hide")
    assert (top.frequency[alive.units] > 0).all()
    assert len(alive.units) == int((top.frequency > 0).sum())


def test_receptive_field_crops_around_the_peak(top):
    images = digits()[0]
    result = fasttile.cards(top, images, units=[0], field=5, stride=1)
    y, x = top.argmax_position[0, 0]
    box = crop_box((y, x), (5, 5), (1, 1), (8, 8))
    crops = np.stack([images[i, 0][crop_box(tuple(p), (5, 5), (1, 1), (8, 8))] for i, p in
                      zip(top.indices[0], top.argmax_position[0])])  # fmt: skip
    assert np.array_equal(result.stack[0], fasttile.render(crops, layout="nhw", ncols=2))
    assert box[0].stop - box[0].start == 5 and 0 <= box[0].start <= 3


def test_crop_box_stays_inside_the_image():
    assert crop_box((0, 0), (3, 3), (2, 2), (8, 8)) == (slice(0, 3), slice(0, 3))
    assert crop_box((3, 3), (3, 3), (2, 2), (8, 8)) == (slice(5, 8), slice(5, 8))
    assert crop_box((1, 2), (3, 3), (2, 2), (8, 8)) == (slice(2, 5), slice(4, 7))
    assert crop_box((1, 1), (20, 4), (1, 1), (8, 8)) == (slice(0, 8), slice(0, 4))


def test_rgb_inputs_channels_last():
    rng = np.random.default_rng(0)
    images = rng.random((12, 6, 6, 3), dtype=np.float32)

    def model(x):
        return {"maps": x.transpose(0, 3, 1, 2)[:, :, :4, :4] - 0.5}

    top = fasttile.top_examples(model, images, "maps", k=3, layout="nchw")
    result = fasttile.cards(top, images)
    assert result.stack.shape == (3, 2 * 7 + 1, 2 * 7 + 1, 3) and result.image.ndim == 3


def test_cards_go_to_the_viewer_with_their_facts(top, tmp_path):
    from fasttile.web.pyramid import read_manifest

    result = fasttile.cards(top, digits()[0], count=6)
    labels = result.labels()
    assert labels[0].startswith("unit 0: fires on") and f"inputs {top.indices[0][0]}" in labels[0]
    fasttile.pyramid(result.stack, tmp_path / "site", labels=labels, **result.layout_options)
    assert read_manifest(tmp_path / "site")["width"] == result.image.shape[1]
