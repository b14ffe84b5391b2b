"""The streaming writers: every file read back by an independent reader (Pillow,
pngcheck, tifffile, NumPy) equals render() byte for byte, for generated banks,
options, levels and band sizes."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import fasttile
from fasttile.codecs import deflate as _deflate
from fasttile.codecs import png

tifffile = pytest.importorskip("tifffile")
PNGCHECK = shutil.which("pngcheck")


def read_png(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im)


def pngcheck(path) -> None:
    if PNGCHECK is None:  # pragma: no cover - .ci/run installs it
        pytest.skip("pngcheck is not installed (apt-get install pngcheck)")
    result = subprocess.run([PNGCHECK, "-q", str(path)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def smooth_bank(rng, units, side, channels=3):
    """Low-frequency tiles, like learned first-layer filters: they compress."""
    y, x = np.mgrid[0:side, 0:side] / side
    phase = rng.uniform(0, 6, (units, 1, 1, channels))
    freq = rng.uniform(0.5, 3, (units, 1, 1, channels))
    return np.sin(freq * (x[None, :, :, None] + y[None, :, :, None]) * 3 + phase).reshape(units, -1)


BANKS = st.sampled_from(["noise", "smooth", "constant"])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    kind=BANKS,
    units=st.integers(1, 60),
    gray=st.booleans(),
    level=st.sampled_from(["fast", "small", "none", 0, 6]),
    rows=st.one_of(st.none(), st.integers(1, 4)),
    padding=st.integers(0, 2),
    zoom=st.integers(1, 3),
    seed=st.integers(0, 1000),
)
def test_png_equals_render(tmp_path, kind, units, gray, level, rows, padding, zoom, seed):
    rng = np.random.default_rng(seed)
    channels = 1 if gray else 3
    if kind == "noise":
        bank = rng.standard_normal((units, 25 * channels)).astype(np.float32)
    elif kind == "smooth":
        bank = smooth_bank(rng, units, 5, channels).astype(np.float32)
    else:
        bank = np.ones((units, 25 * channels), np.float32)
    opts = dict(tile_shape=(5, 5, channels), padding=padding, zoom=zoom)
    path = tmp_path / "m.png"
    info = fasttile.save(bank, path, level=level, rows=rows, **opts)
    full = fasttile.render(bank, **opts)
    assert np.array_equal(read_png(path), full)
    assert info.shape == full.shape and info.bytes == path.stat().st_size
    pngcheck(path)


def test_png_of_a_large_bank_in_many_bands(tmp_path):
    rng = np.random.default_rng(1)
    bank = np.concatenate([smooth_bank(rng, 300, 8), rng.standard_normal((300, 192))]).astype(np.float32)
    for level in ("fast", "small"):
        fasttile.save(bank, tmp_path / f"{level}.png", level=level, rows=2, pad_value=(20, 40, 60))
        assert np.array_equal(
            read_png(tmp_path / f"{level}.png"), fasttile.render(bank, pad_value=(20, 40, 60))
        )
        pngcheck(tmp_path / f"{level}.png")
    assert (tmp_path / "small.png").stat().st_size < (tmp_path / "fast.png").stat().st_size


def test_noise_is_stored_and_smooth_banks_compress(tmp_path):
    rng = np.random.default_rng(2)
    noise = rng.standard_normal((400, 768)).astype(np.float32)
    smooth = smooth_bank(rng, 400, 16).astype(np.float32)
    fasttile.save(noise, tmp_path / "noise.png")
    fasttile.save(smooth, tmp_path / "smooth.png")
    raw = fasttile.render(noise).nbytes
    # stored blocks cost 5 bytes per 64 KB: a noise mosaic is never inflated past that
    assert (tmp_path / "noise.png").stat().st_size < raw * 1.01 + 1000
    assert (tmp_path / "smooth.png").stat().st_size < 0.5 * fasttile.render(smooth).nbytes


def test_noise_in_padded_cells_is_stored(tmp_path):
    # One padding row in 33 compresses to nothing; a sample of a few whole rows that
    # starts on one saw a fifth of the band as compressible and deflated noise at a
    # sixth of the write speed for 12%. Bands of 4 MB: stored, as a whole.
    bank = np.random.default_rng(5).standard_normal((3072, 3072)).astype(np.float32)  # 12 full rows
    fasttile.save(bank, tmp_path / "noise.png", ncols=256)  # rows of 25 KB, as in a 65536-unit bank
    image = fasttile.render(bank, ncols=256)
    assert (tmp_path / "noise.png").stat().st_size > image.nbytes  # stored blocks add bytes, never save
    assert np.array_equal(read_png(tmp_path / "noise.png"), image)
    pngcheck(tmp_path / "noise.png")


def _deflated_sample_bytes(monkeypatch) -> list:
    """Bytes of each deflate call the PNG encoder makes, recorded."""
    sizes: list = []
    deflate_for_real = _deflate.raw_deflate

    def recorded(data, level):
        sizes.append(memoryview(data).nbytes)
        return deflate_for_real(data, level)

    monkeypatch.setattr(_deflate, "raw_deflate", recorded)
    return sizes


@pytest.mark.parametrize("kind", ["noise", "smooth"])
def test_fast_screens_noise_bands_on_a_quarter_sample(monkeypatch, tmp_path, kind):
    # A noise band (28x28 tiles, rows of 3.7 KB) is stored after three trials on a
    # quarter of the full sample; a smooth band's screen shrinks, so the full sample
    # decides and the band is deflated.
    rng = np.random.default_rng(7)
    bank = rng.standard_normal((8192, 784)) if kind == "noise" else smooth_bank(rng, 1024, 32)
    image = fasttile.render(bank.astype(np.float32))
    bands = len(png.band_source(image, band_bytes=png._BAND_BYTES).bands)
    sizes = _deflated_sample_bytes(monkeypatch)
    png.write_png(tmp_path / "one.png", image, threads=1)
    assert np.array_equal(read_png(tmp_path / "one.png"), image)
    pngcheck(tmp_path / "one.png")
    per_band = [sizes[k : k + 3] for k in range(0, len(sizes), 7 if kind == "smooth" else 3)]
    assert len(per_band) == bands and all(max(screen) < 40_000 for screen in per_band)  # 8 pieces of 4 KB
    if kind == "noise":
        assert len(sizes) == 3 * bands  # the screen alone: stored, no full trials, no band deflate
        assert (tmp_path / "one.png").stat().st_size > image.nbytes
    else:
        assert len(sizes) == 7 * bands and min(sizes[3:6]) > 3 * max(sizes[:3])  # then the full sample
        assert sum(sizes[6::7]) >= image.nbytes  # and the bands themselves
        assert (tmp_path / "one.png").stat().st_size < 0.5 * image.nbytes


def test_filter_sample_sees_padding_rows_at_their_share():
    band = np.random.default_rng(6).integers(0, 256, (165, 1 + 3 * 8449), dtype=np.uint8)
    band[::33, 1:] = 0  # a padding row every 33, the first one among them
    sample = png._sample_pairs(band, np.zeros(3 * 8449, np.uint8), 1 << 17, 3)
    pieces = sample[1::2]
    assert len(pieces) >= 30 and pieces.shape[1] % 3 == 0
    assert (pieces == 0).all(axis=1).sum() <= 3  # about 1 in 33, not 1 in 5
    rows = [band[r, 1:].tobytes() for r in range(len(band))]
    for piece, above in zip(pieces, sample[0::2]):  # each after the same columns one row up
        if not piece.any():
            continue  # a padding piece: its place is ambiguous
        (r, start), *_ = [
            (r, row.find(piece.tobytes())) for r, row in enumerate(rows) if piece.tobytes() in row
        ]
        assert start % 3 == 0
        expected = band[r - 1, 1 + start : 1 + start + len(piece)] if r else np.zeros(len(piece), np.uint8)
        assert np.array_equal(above, expected)


def test_slow_disk_never_sees_a_recycled_band(tmp_path, monkeypatch):
    # band buffers go back to the drawing thread only after the sink wrote them
    from fasttile.codecs import file_sink

    written = file_sink.write_pieces

    def slow(fd, pieces):
        time.sleep(0.002)
        return written(fd, pieces)

    monkeypatch.setattr(file_sink, "write_pieces", slow)
    bank = np.random.default_rng(7).standard_normal((600, 3, 8, 8)).astype(np.float32)
    fasttile.save(bank, tmp_path / "m.png", rows=1, level="none")  # stored: the pieces are views
    assert np.array_equal(read_png(tmp_path / "m.png"), fasttile.render(bank))


def test_writeback_is_started_on_each_window_written(tmp_path, monkeypatch):
    from fasttile.codecs import file_sink

    calls = []
    monkeypatch.setattr(file_sink, "_WRITEBACK_BYTES", 1 << 20)  # 16 MB in use
    monkeypatch.setattr(file_sink, "_START_WRITEBACK", lambda fd, at, n, flags: calls.append((at, n, flags)))
    bank = np.random.default_rng(8).standard_normal((3072, 3072)).astype(np.float32)
    fasttile.save(bank, tmp_path / "m.png", ncols=256)  # 10 MB, stored
    size = (tmp_path / "m.png").stat().st_size
    assert len(calls) >= 3 and calls[0][0] == 0 and all(flags == 2 for *_, flags in calls)
    assert all(n >= 1 << 20 for _, n, _ in calls)  # once per window, not per band
    assert all(a + n == b for (a, n, _), (b, _, _) in zip(calls, calls[1:]))  # contiguous
    assert size - (8 << 20) < calls[-1][0] + calls[-1][1] <= size  # bands of 4 MB: the last one left


def test_encode_png_matches_pillow_decoding():
    image = fasttile.render(np.random.default_rng(3).standard_normal((10, 3, 4, 4)), zoom=3)
    data = png.encode_png(image)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), image)
    gray = image[..., 0].copy()
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png.encode_png(gray, level="small")))), gray)


@given(a=st.binary(max_size=300), b=st.binary(max_size=300))
def test_adler32_combine(a, b):
    assert _deflate.adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


@pytest.mark.parametrize("fill", ["rows", "columns"])
def test_tiff_and_npy_equal_render(tmp_path, fill):
    bank = np.random.default_rng(4).standard_normal((70, 3, 9, 9)).astype(np.float32)
    opts = dict(fill=fill, zoom=3, ncols=11)  # 11 * 28 + 1 = 309: edge tiles are partial
    full = fasttile.render(bank, **opts)
    for compression in (None, "zlib"):
        fasttile.save(bank, tmp_path / "m.tif", compression=compression, **opts)
        with tifffile.TiffFile(tmp_path / "m.tif") as tif:
            page = tif.pages[0]
            assert page.is_tiled and page.tilewidth == 256 and page.photometric == 2
            assert np.array_equal(page.asarray(), full)
    info = fasttile.save(bank, tmp_path / "m.npy", rows=1, **opts)
    assert np.array_equal(np.load(tmp_path / "m.npy", mmap_mode="r"), full) and info.format == "npy"
    gray = fasttile.render(bank, channel=0)
    fasttile.save(bank, tmp_path / "g.tiff", channel=0)
    assert np.array_equal(tifffile.imread(tmp_path / "g.tiff"), gray)


def test_bigtiff_past_the_classic_limit(tmp_path, monkeypatch):
    from fasttile.codecs import tiff

    monkeypatch.setattr(tiff, "_CLASSIC_LIMIT", 100)
    bank = np.random.default_rng(5).standard_normal((4, 75)).astype(np.float32)
    fasttile.save(bank, tmp_path / "big.tif")
    with tifffile.TiffFile(tmp_path / "big.tif") as tif:
        assert tif.is_bigtiff and np.array_equal(tif.asarray(), fasttile.render(bank))


def test_format_errors(tmp_path):
    bank = np.ones((4, 9), np.float32)
    with pytest.raises(ValueError, match=r"'\.jpg'.*fasttile writes .npy, .png, .tif, .tiff"):
        fasttile.save(bank, tmp_path / "m.jpg")
    with pytest.raises(ValueError, match="no extension"):
        fasttile.save(bank, tmp_path / "m")
    with pytest.raises(ValueError, match="compression applies to TIFF"):
        fasttile.save(bank, tmp_path / "m.png", compression="zlib")
    with pytest.raises(ValueError, match="compression must be"):
        fasttile.save(bank, tmp_path / "m.tif", compression="lzw")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        fasttile.save(bank, tmp_path / "missing" / "m.png")
    assert list(tmp_path.iterdir()) == []


def test_png_side_limit_is_refused_before_any_work(tmp_path):
    huge = np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), (2**31, 1), (0, 0))
    with pytest.raises(ValueError, match="PNG allows at most 2147483647 per side; write .tif"):
        fasttile.save(huge, tmp_path / "m.png", tile_shape=(1, 1), ncols=1, padding=0)
    assert list(tmp_path.iterdir()) == []


def test_bands_larger_than_a_chunk_are_split_into_idat_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(png, "_CHUNK_LIMIT", 1000)
    bank = np.random.default_rng(6).standard_normal((50, 3, 6, 6)).astype(np.float32)
    fasttile.save(bank, tmp_path / "m.png", level="none")
    assert np.array_equal(read_png(tmp_path / "m.png"), fasttile.render(bank))
    pngcheck(tmp_path / "m.png")
    assert (tmp_path / "m.png").read_bytes().count(b"IDAT") > 5
