"""fasttile.log into a tf.summary file writer, read back from the event files by
TensorFlow's own reader and by TensorBoard's, pixel for pixel. .ci/run installs
tensorflow-cpu and sets FASTTILE_REQUIRE_TENSORFLOW=1, so there this cannot skip."""

from __future__ import annotations

import glob
import io
import os

import numpy as np
import pytest

import fasttile

if os.environ.get("FASTTILE_REQUIRE_TENSORFLOW") == "1":
    import tensorflow as tf
else:
    tf = pytest.importorskip("tensorflow", reason="pip install tensorflow-cpu")
pytest.importorskip("tensorboard")
from PIL import Image  # noqa: E402
from tensorboard.backend.event_processing.plugin_event_accumulator import EventAccumulator  # noqa: E402


def banks() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    return {
        "conv1": rng.standard_normal((16, 3, 5, 5)).astype(np.float32),  # oihw RGB
        "conv2": rng.standard_normal((4, 6, 3, 3)).astype(np.float32),  # one gray tile per channel
    }


def png_pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG"
        return np.asarray(im)


def test_tf_summary_events_hold_the_exact_mosaics(tmp_path):
    weights = banks()
    writer = tf.summary.create_file_writer(str(tmp_path))
    logged = {step: fasttile.log(writer, weights, step, zoom=3) for step in (0, 7)}
    weights["conv1"] *= -1  # a later step sees changed weights
    logged[9] = fasttile.log(writer, weights, 9, zoom=3)
    writer.flush()
    writer.close()

    expected = {
        (f"filters/{name}", step): fasttile.render(-w if (name == "conv1" and step == 9) else w, zoom=3)
        for step in logged
        for name, w in banks().items()
    }
    for (tag, step), image in expected.items():
        assert np.array_equal(logged[step][tag.split("/", 1)[1]], image)

    # TensorFlow's reader: every event of the file, exactly the ones written
    (events,) = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    found = {}
    for event in tf.compat.v1.train.summary_iterator(events):
        for value in event.summary.value:
            assert value.metadata.plugin_data.plugin_name == "images"
            width, height, png = tf.make_ndarray(value.tensor)
            pixels = png_pixels(png)
            assert (int(width), int(height)) == (pixels.shape[1], pixels.shape[0])
            found[(value.tag, event.step)] = pixels
    assert sorted(found) == sorted(expected)
    for key, image in expected.items():
        assert found[key].dtype == np.uint8 and np.array_equal(found[key], image), key

    assert {found[k].ndim for k in found} == {2, 3}  # gray (split channels) and RGB mosaics

    # TensorBoard's reader: the images plugin lists the tags, the tensors decode the same
    acc = EventAccumulator(str(tmp_path), size_guidance={"tensors": 0})
    acc.Reload()
    assert sorted(acc.PluginTagToContent("images")) == ["filters/conv1", "filters/conv2"]
    for tag in ("filters/conv1", "filters/conv2"):
        events = acc.Tensors(tag)
        assert [e.step for e in events] == [0, 7, 9]
        for e in events:
            png = tf.make_ndarray(e.tensor_proto)[2]
            assert np.array_equal(png_pixels(png), expected[(tag, e.step)])


def test_a_bad_step_writes_nothing(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with pytest.raises(TypeError, match="step must be an integer"):
        fasttile.log(writer, banks(), 1.5)
    writer.close()
    files = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    values = [v for f in files for e in tf.compat.v1.train.summary_iterator(f) for v in e.summary.value]
    assert values == []
