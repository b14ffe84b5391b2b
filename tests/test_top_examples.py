"""top_examples: exactly the brute-force argsort, in memory that does not grow with the data."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fasttile

torch = pytest.importorskip("torch")
from activation_models import digits, digits_cnn  # noqa: E402


@pytest.fixture(scope="module")
def relu_maps():
    """All digits' maps after the trained CNN's second ReLU: many exact zeros, so ties."""
    return fasttile.capture(digits_cnn(), digits()[0], "3")["3"]  # (1797, 32, 8, 8)


def _brute_force(scores, k):
    order = np.argsort(-scores, axis=0, kind="stable")[:k].T  # ties: the lower index first
    return order, np.take_along_axis(scores.T, order, 1)


@pytest.mark.parametrize("by", ["max", "mean"])
def test_equals_a_stable_argsort_of_the_full_matrix(relu_maps, by):
    images = digits()[0]
    top = fasttile.top_examples(digits_cnn(), images, "3", k=9, by=by, batch_size=100)
    flat = relu_maps.reshape(len(images), 32, -1)
    scores = flat.max(axis=2) if by == "max" else flat.mean(axis=2, dtype=np.float64)
    indices, values = _brute_force(scores, 9)
    assert np.array_equal(top.indices, indices) and np.array_equal(top.values, values)
    assert top.count == len(images) and top.map_shape == (8, 8)
    np.testing.assert_array_equal(top.frequency, (flat.max(axis=2) > 0).mean(axis=0))


def test_ties_are_broken_by_the_lower_dataset_index(relu_maps):
    images = digits()[0]
    top = fasttile.top_examples(digits_cnn(), images, "3", k=9, batch_size=64)
    tied = [u for u in range(top.units) if len(np.unique(top.values[u])) < top.k]
    assert tied, "the data should hold ties for this test to mean something"
    scores = relu_maps.reshape(len(images), 32, -1).max(axis=2)
    assert np.array_equal(top.indices, _brute_force(scores, 9)[0])
    for u in tied:
        for a, b in zip(range(8), range(1, 9)):
            if top.values[u, a] == top.values[u, b]:
                assert top.indices[u, a] < top.indices[u, b]


def test_positions_are_where_each_map_peaks(relu_maps):
    top = fasttile.top_examples(digits_cnn(), digits()[0], "3", k=4)
    for u in (0, 5, 31):
        for j in range(4):
            peak_map = relu_maps[top.indices[u, j], u]
            y, x = np.unravel_index(np.argmax(peak_map), peak_map.shape)
            assert tuple(top.argmax_position[u, j]) == (y, x)


def test_a_dataloader_gives_the_same_result():
    images, labels = digits()
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
    loader = torch.utils.data.DataLoader(dataset, batch_size=128, shuffle=False)
    from_loader = fasttile.top_examples(digits_cnn(), loader, "3", k=5, by="mean")
    from_array = fasttile.top_examples(digits_cnn(), images, "3", k=5, by="mean", batch_size=300)
    assert np.array_equal(from_loader.indices, from_array.indices)
    assert np.array_equal(from_loader.values, from_array.values)


def test_dense_units_and_small_datasets():
    images = digits()[0][:7]
    top = fasttile.top_examples(digits_cnn(), images, "6", k=9, batch_size=3)  # the logits layer
    assert top.indices.shape == (10, 7) and top.argmax_position is None and top.map_shape is None
    with torch.no_grad():
        logits = digits_cnn()(torch.from_numpy(images)).numpy()
    assert np.array_equal(top.indices, _brute_force(logits, 9)[0])
    assert top.facts(2)["top_indices"] == [int(i) for i in top.indices[2]]


def test_bad_arguments():
    with pytest.raises(ValueError, match="by must be"):
        fasttile.top_examples(digits_cnn(), digits()[0][:4], "3", by="median")
    with pytest.raises(ValueError, match="k must be"):
        fasttile.top_examples(digits_cnn(), digits()[0][:4], "3", k=0)


_MEMORY_PROBE = textwrap.dedent(
    """
    import sys, tracemalloc
    import numpy as np
    import fasttile

    def model(x):  # a layer of 64 maps of 6x6 from each input, computed, not stored
        return {"maps": np.tanh(x[:, :64] * x[:, 64:128])}

    def batches(n, size=200):
        rng = np.random.default_rng(0)
        for start in range(0, n, size):
            yield rng.standard_normal((min(size, n - start), 128, 6, 6), dtype=np.float32)

    n = int(sys.argv[1])
    tracemalloc.start()
    fasttile.top_examples(model, batches(n), "maps", k=9)
    print(tracemalloc.get_traced_memory()[1])
    """
)


def _peak(n):
    run = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(n)], capture_output=True, text=True, check=True
    )
    return int(run.stdout.split()[-1])


def test_memory_does_not_grow_with_the_dataset():
    small, large = _peak(1_000), _peak(10_000)
    assert large < small * 1.25, (small, large)  # ten times the data, about the same peak


@pytest.mark.parametrize("batch_size", [1, 7, 64])
def test_nan_inf_and_ties_rank_as_a_stable_argsort(batch_size):
    rng = np.random.default_rng(4)
    scores = rng.integers(-3, 4, size=(200, 6)).astype(np.float32)  # few distinct values: ties
    scores[rng.random(scores.shape) < 0.1] = np.nan
    scores[rng.random(scores.shape) < 0.05] = np.inf
    scores[:, 5] = np.nan  # a unit with no number at all

    def model(x):
        return {"units": x}

    top = fasttile.top_examples(model, scores, "units", k=12, batch_size=batch_size)
    indices, values = _brute_force(scores, 12)
    assert np.array_equal(top.indices, indices)
    assert np.array_equal(top.values, values, equal_nan=True)


def test_channels_last_maps_give_the_same_result(relu_maps):
    channels_last = np.ascontiguousarray(relu_maps[:500].transpose(0, 2, 3, 1))

    def model(x):
        return {"maps": x}

    first = fasttile.top_examples(model, relu_maps[:500], "maps", k=5, layout="nchw", batch_size=128)
    last = fasttile.top_examples(model, channels_last, "maps", k=5, layout="nhwc", batch_size=128)
    assert np.array_equal(first.indices, last.indices) and np.array_equal(first.values, last.values)
    assert np.array_equal(first.argmax_position, last.argmax_position)


def test_integer_activations_of_a_quantized_model():
    scores = np.random.default_rng(5).integers(0, 256, size=(300, 4)).astype(np.uint8)
    top = fasttile.top_examples(lambda x: {"q": x}, scores, "q", k=6, batch_size=50)
    indices, values = _brute_force(scores.astype(np.int64), 6)
    assert np.array_equal(top.indices, indices) and np.array_equal(top.values, values)
