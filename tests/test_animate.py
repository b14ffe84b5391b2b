"""fasttile.animate and `fasttile animate`: every format decoded back by an independent reader
(Pillow, imageio's ffmpeg) and compared with fasttile.render frame by frame."""

import os
import subprocess
import sys
import weakref

import numpy as np
import pytest

import fasttile
from fasttile.cli.app import main
from fasttile.training.animate import animate

PIL = pytest.importorskip("PIL")
from PIL import Image, ImageSequence  # noqa: E402

rng = np.random.default_rng(13)
RGB = [rng.standard_normal((12, 3, 5, 5)).astype(np.float32) * (1 + k) for k in range(4)]
GRAY = [rng.standard_normal((10, 6, 6)).astype(np.float32) * (1 + k) for k in range(3)]


def decode(path, size=None):
    """Every frame of an animation as uint8 arrays; MP4 frames of (height, width) = size."""
    if path.suffix == ".mp4":
        imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
        command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path)]
        raw = subprocess.run(
            [*command, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True
        )
        height, width = 2 * size[0], 2 * size[1]  # the writer doubles every pixel
        frames = np.frombuffer(raw.stdout, np.uint8).reshape(-1, height, width, 3)
        return list(frames[:, ::2, ::2])
    with Image.open(path) as im:
        return [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(im)]


def as_rgb(image):
    return np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image


@pytest.mark.parametrize("suffix", [".png", ".apng", ".webp", ".gif"])
@pytest.mark.parametrize("bank", ["rgb", "gray"])
def test_lossless_formats_hold_render_exactly(tmp_path, suffix, bank):
    frames = RGB if bank == "rgb" else GRAY
    if suffix == ".gif" and bank == "rgb":
        frames = [np.sign(f) for f in frames]  # 27 colours: exact in a GIF palette
    path = tmp_path / f"a{suffix}"
    info = animate(frames, path, normalize="tile", zoom=3, captions=False, fps=10)
    got = decode(path)
    assert info.frames == len(got) == len(frames)
    for frame, weights in zip(got, frames):
        assert np.array_equal(frame, as_rgb(fasttile.render(weights, zoom=3)))


@pytest.mark.parametrize("frames", [RGB, GRAY], ids=["rgb", "gray"])
def test_mp4_within_codec_error(tmp_path, frames):
    path = tmp_path / "a.mp4"
    info = animate(frames, path, normalize="tile", zoom=4, captions=False)
    got = decode(path, info.shape)
    assert len(got) == len(frames)
    for frame, weights in zip(got, frames):
        expected = as_rgb(fasttile.render(weights, zoom=4))
        assert frame.shape == expected.shape
        assert np.abs(frame.astype(int) - expected).mean() < 3


def tiles_over_time(frames, normalize):
    """The oracle for fixed ranges: each tile side by side with itself in every frame is one
    wide tile, so render's per-tile range of it is the tile's range over all frames."""
    wide = np.concatenate(frames, axis=-1)
    image = fasttile.render(wide, normalize=normalize, padding=0, ncols=1)
    w = frames[0].shape[-1]
    return [image[:, k * w : (k + 1) * w] for k in range(len(frames))]


@pytest.mark.parametrize("normalize, oracle", [("fixed", "tile"), ("fixed-symmetric", "symmetric")])
@pytest.mark.parametrize("frames", [RGB, GRAY], ids=["rgb", "gray"])
def test_fixed_ranges_span_all_frames(tmp_path, frames, normalize, oracle):
    path = tmp_path / "a.png"
    animate(frames, path, normalize=normalize, padding=0, ncols=1, captions=False)
    expected = tiles_over_time(frames, oracle)
    for frame, want in zip(decode(path), expected):
        assert np.array_equal(frame, as_rgb(want))
    # unlike per-frame ranges, the small first frame is drawn with less contrast
    assert not np.array_equal(expected[0], fasttile.render(frames[0], padding=0, ncols=1))


def test_fixed_ranges_keep_geometry_and_order(tmp_path):
    frames = [np.stack([f[:, :2] for f in GRAY])] * 2  # 4-D (3, 10, 6, 6): split channels
    path = tmp_path / "a.webp"
    animate(frames, path, padding=2, zoom=2, pad_value=(9, 99, 200), captions=False)
    plain = fasttile.render(frames[0], padding=2, zoom=2, pad_value=(9, 99, 200))
    # the same frame twice: fixed ranges are its own ranges, so the frames equal render's
    assert all(np.array_equal(frame, plain) for frame in decode(path))


def test_checkpoints_captions_and_the_cli(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    paths = []
    for i, w in enumerate(RGB):
        paths.append(str(tmp_path / f"ckpt_{i}.pt"))
        torch.save({"conv1.weight": torch.from_numpy(w), "conv1.bias": torch.zeros(12)}, paths[-1])
    out = tmp_path / "evolution.png"
    argv = ["animate", *paths, "--key", "conv1.weight", "-o", str(out), "--normalize", "tile", "--zoom", "1"]
    assert main([*argv, "--padding", "1"]) == 0
    assert "4 frames" in capsys.readouterr().err
    frames = decode(out)
    for frame, weights in zip(frames, RGB):
        mosaic = fasttile.render(weights)
        assert np.array_equal(frame[: mosaic.shape[0]], mosaic)  # the mosaic untouched
        caption = frame[mosaic.shape[0] :]
        assert caption.shape[0] >= 12 and (caption > 160).sum() > 20  # the file name is drawn
    assert not np.array_equal(frames[0][-12:], frames[1][-12:])  # different names
    # (step, weights) pairs, as hooks collect them, are captioned with their step
    steps = animate([(100, RGB[0]), (200, RGB[0])], tmp_path / "s.webp", normalize="tile")
    a, b = decode(tmp_path / "s.webp")
    assert steps.shape == a.shape and not np.array_equal(a, b)


def test_errors_name_the_problem(tmp_path, capsys):
    with pytest.raises(ValueError, match="frames is empty"):
        animate([], tmp_path / "a.gif")
    with pytest.raises(ValueError, match=r"unsupported extension '.avi'; use one of .gif, .png"):
        animate(RGB, tmp_path / "a.avi")
    with pytest.raises(OSError, match="does not exist"):
        animate(RGB, tmp_path / "missing" / "a.gif")
    bad = [RGB[0], RGB[1][:6]]
    with pytest.raises(ValueError, match=r"frames\[1\] has shape \(6, 3, 5, 5\) but the first frame has"):
        animate(bad, tmp_path / "a.gif")
    with pytest.raises(ValueError, match=r"frames\[1\] has shape"):
        animate(bad, tmp_path / "a.gif", normalize="tile")  # found while writing: nothing is left
    assert os.listdir(tmp_path) == []
    with pytest.raises(ValueError, match="fps must be"):
        animate(RGB, tmp_path / "a.gif", fps=0)
    with pytest.raises(ValueError, match="normalize must be one of fixed"):
        animate(RGB, tmp_path / "a.gif", normalize="sideways")
    assert main(["animate", str(tmp_path / "nope.pt"), "-o", str(tmp_path / "a.gif")]) == 2
    assert capsys.readouterr().err.strip() == f"fasttile: error: no such file: {tmp_path / 'nope.pt'}"


@pytest.mark.skipif(not os.path.isdir("/sys/kernel"), reason="needs Linux sysfs")
def test_unwritable_folder(capsys):
    # sysfs refuses new files even to root, unlike a chmod-ed folder
    with pytest.raises(OSError, match="cannot write /sys/kernel/a.gif: "):
        animate(RGB, "/sys/kernel/a.gif")
    assert main(["animate", "-o", "/sys/kernel/a.webp", "x.npy"]) == 2
    assert "no such file: x.npy" in capsys.readouterr().err  # inputs are checked first


def test_npy_files_one_tensor_each(tmp_path):
    paths = []
    for i, w in enumerate(GRAY):
        paths.append(tmp_path / f"w_{i}.npy")
        np.save(paths[-1], w)
    info = animate(paths, tmp_path / "a.png", captions=False)
    assert (
        main(["animate", *map(str, paths), "-o", str(tmp_path / "c.png"), "--no-captions", "--zoom", "1"])
        == 0
    )
    assert all(np.array_equal(x, y) for x, y in zip(decode(tmp_path / "a.png"), decode(tmp_path / "c.png")))
    fixed = animate(GRAY, tmp_path / "b.png", captions=False)
    from_files, from_arrays = decode(tmp_path / "a.png"), decode(tmp_path / "b.png")
    assert info.frames == fixed.frames == len(from_files) == 3
    assert all(np.array_equal(x, y) for x, y in zip(from_files, from_arrays))


@pytest.mark.parametrize("suffix", [".gif", ".png", ".webp", ".mp4"])
def test_frames_are_streamed(tmp_path, monkeypatch, suffix):
    """At most two rendered frames exist at any time, whatever the number of frames."""
    module = sys.modules["fasttile.training.animate"]  # fasttile.animate is the function
    produce = module._rendered
    alive, most = set(), [0]

    def tracked(*args, **kwargs):
        for i, image in enumerate(produce(*args, **kwargs)):
            alive.add(i)
            weakref.finalize(image, alive.discard, i)
            most[0] = max(most[0], len(alive))
            yield image

    monkeypatch.setattr(module, "_rendered", tracked)
    frames = [RGB[k % 4] * (1 + k) for k in range(12)]
    assert animate(frames, tmp_path / f"a{suffix}").frames == 12
    assert 1 <= most[0] <= 2


def test_dead_units_are_chosen_once_for_every_frame(tmp_path):
    from PIL import Image, ImageSequence

    frames = [np.random.default_rng(k).standard_normal((10, 3, 4, 4)).astype(np.float32) for k in range(3)]
    frames[1][2] = 0  # a unit dies only in later frames: 9 tiles would make a 3x3 grid, not 4x3
    frames[2][5] = 0
    fasttile.animate(frames, tmp_path / "a.png", dead="hide", captions=False)
    with Image.open(tmp_path / "a.png") as im:
        sizes = {frame.size for frame in ImageSequence.Iterator(im)}
    assert len(sizes) == 1
