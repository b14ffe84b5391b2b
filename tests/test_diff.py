"""fasttile.diff and `fasttile diff`: the symmetric difference mosaic, and filter matching that
recovers a known permutation."""

import numpy as np
import pytest

import fasttile
from fasttile.cli.app import main
from fasttile.training.diff import diff, match_filters

pytest.importorskip("scipy")
rng = np.random.default_rng(7)


@pytest.mark.parametrize(
    "layout, axis, shape", [("oihw", 0, (32, 3, 5, 5)), ("hwio", 3, (5, 5, 3, 32)), ("cols", 1, (64, 40))]
)
def test_matching_recovers_a_permutation(layout, axis, shape):
    a = rng.standard_normal(shape).astype(np.float32)
    perm = rng.permutation(shape[axis])
    # b: a's filters shuffled and rescaled (cosine ignores scale), plus a little noise
    b = np.take(a, perm, axis=axis) * 3 + 0.05 * rng.standard_normal(shape).astype(np.float32)
    found = match_filters(a, b, layout=layout)
    assert np.array_equal(found, np.argsort(perm))
    assert np.allclose(np.take(b, found, axis=axis) / 3, a, atol=0.1)


def test_difference_is_render_of_a_minus_b_on_a_symmetric_scale():
    a = rng.standard_normal((9, 7, 7)).astype(np.float32)
    b = rng.standard_normal((9, 7, 7)).astype(np.float32)
    image = diff(a, b, zoom=2)
    assert image.ndim == 3  # gray tiles through RdBu_r
    assert np.array_equal(image, fasttile.render(a - b, normalize="global-symmetric", cmap="RdBu_r", zoom=2))
    assert np.array_equal(
        diff(a, b, normalize="symmetric", cmap="PuOr"),
        fasttile.render(a - b, normalize="symmetric", cmap="PuOr"),
    )
    rgb_a, rgb_b = rng.standard_normal((2, 4, 3, 3, 3)).astype(np.float32)
    # RGB tiles keep their colours around mid-gray: a colormap colours gray tiles only
    assert np.array_equal(diff(rgb_a, rgb_b), fasttile.render(rgb_a - rgb_b, normalize="global-symmetric"))


def test_matched_permutation_leaves_no_difference():
    a = rng.standard_normal((16, 6, 6)).astype(np.float32)
    b = a[rng.permutation(16)]
    matched = diff(a, b, match=True, padding=0)
    zero_colour = fasttile.render(np.zeros_like(a), normalize="global-symmetric", cmap="RdBu_r", padding=0)
    assert np.array_equal(matched, zero_colour)  # every cell is the colormap's midpoint
    assert not np.array_equal(diff(a, b, padding=0), zero_colour)


def test_cli_diff_of_two_checkpoints(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from PIL import Image

    a = rng.standard_normal((8, 3, 4, 4)).astype(np.float32)
    b = a[rng.permutation(8)] + 0.01
    for name, w in (("a", a), ("b", b)):
        torch.save({"conv1.weight": torch.from_numpy(w)}, tmp_path / f"{name}.pt")
    out = tmp_path / "d.png"
    args = ["diff", str(tmp_path / "a.pt"), str(tmp_path / "b.pt"), "--key", "conv1.weight", "-o", str(out)]
    assert main([*args, "--match", "--channel", "split", "--zoom", "3", "--padding", "1"]) == 0
    assert "after matching filters" in capsys.readouterr().err
    expected = diff(a, b, match=True, channel="split", zoom=3)
    assert np.array_equal(np.asarray(Image.open(out)), expected)
    assert main([*args, "--normalize", "tile"]) == 2
    assert "symmetric scale" in capsys.readouterr().err


def test_errors_name_the_problem(tmp_path, capsys):
    with pytest.raises(ValueError, match=r"shapes \(4, 9\) and \(5, 9\)"):
        diff(np.zeros((4, 9)), np.zeros((5, 9)))
    np.save(tmp_path / "a.npy", np.zeros((4, 9), np.float32))
    np.save(tmp_path / "b.npy", np.zeros((5, 9), np.float32))
    assert (
        main(["diff", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "-o", str(tmp_path / "d.png")]) == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "must match" in err
