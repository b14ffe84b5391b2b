"""fasttile.to_zarr and zarr banks: every store read back by zarr itself (and the NGFF
pyramid by the ome-zarr reader napari uses) and compared with render byte for byte;
interrupted writes resumed; banks opened from groups; clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import fasttile

da = pytest.importorskip("dask.array")
zarr = pytest.importorskip("zarr")

from fasttile.chunked.zarr_read import list_arrays, open_bank  # noqa: E402
from fasttile.chunked.zarr_write import to_zarr  # noqa: E402

RNG = np.random.default_rng(7)
RGB = RNG.standard_normal((150, 5 * 5 * 3), dtype=np.float32)
GRAY = RNG.standard_normal((95, 9, 7), dtype=np.float32)  # nhw


def reference_pyramid(image: np.ndarray, levels: int) -> list[np.ndarray]:
    """Each level from the one below: pad odd edges by repeating them, then the rounded
    mean of each 2x2 block, written as a reshape (independent of fasttile's slicing)."""
    out = [image]
    for _ in range(levels):
        a = out[-1].astype(np.int64)
        a = np.pad(a, ((0, a.shape[0] % 2), (0, a.shape[1] % 2)) + ((0, 0),) * (a.ndim - 2), mode="edge")
        blocks = a.reshape(a.shape[0] // 2, 2, a.shape[1] // 2, 2, *a.shape[2:])
        out.append(((blocks.sum(axis=(1, 3)) + 2) // 4).astype(np.uint8))
    return out


@pytest.mark.parametrize("bank,options", [(RGB, {}), (GRAY, {"normalize": "global", "zoom": 2})])
def test_plain_store_equals_render(tmp_path, bank, options):
    path = str(tmp_path / "m.zarr")
    info = to_zarr(da.from_array(bank, chunks=(17,) + bank.shape[1:]), path, rows=3, **options)
    stored = zarr.open_array(path, mode="r")
    expected = fasttile.render(bank, **options)
    assert stored.shape == expected.shape == info.shape
    assert stored[:].tobytes() == expected.tobytes()
    # chunks are whole bands of grid rows, so no two band tasks share one
    cell_h = (expected.shape[0] - 1) // info.nrows  # padding 1
    assert stored.chunks[0] == info.band_rows * cell_h and stored.chunks[1:] == expected.shape[1:]
    assert stored.attrs["fasttile"]["complete"] is True


def test_in_memory_and_zarr_banks(tmp_path):
    bank_path, raw_path = str(tmp_path / "bank.zarr"), str(tmp_path / "raw.zarr")
    zarr.create_array(bank_path, data=RGB, chunks=(40, 30))  # zstd: zarr decodes
    zarr.create_array(raw_path, data=RGB, chunks=(40, 30), compressors=None)  # memory-mapped chunks
    expected = fasttile.render(RGB, order="norm", top=100)
    to_zarr(RGB, str(tmp_path / "a.zarr"), order="norm", top=100, compressors=None)
    to_zarr(zarr.open_array(bank_path, mode="r"), str(tmp_path / "b.zarr"), order="norm", top=100)
    for name in ("a.zarr", "b.zarr"):
        assert zarr.open_array(str(tmp_path / name), mode="r")[:].tobytes() == expected.tobytes()
    for path in (bank_path, raw_path):  # edge chunks of 30 units and 15 values included
        assert fasttile.render(zarr.open_array(path), order="norm", top=100).tobytes() == expected.tobytes()
        assert (
            fasttile.render(open_bank(path), normalize="global").tobytes()
            == fasttile.render(RGB, normalize="global").tobytes()
        )


@pytest.mark.parametrize("bank,options", [(RGB, {"zoom": 3}), (GRAY, {"padding": 2, "fill": "columns"})])
def test_ngff_pyramid_read_by_ome_zarr(tmp_path, bank, options):
    reader = pytest.importorskip("ome_zarr.reader")
    from ome_zarr.io import parse_url

    path = str(tmp_path / "p.zarr")
    info = to_zarr(bank, path, pyramid=True, **options)
    expected = reference_pyramid(fasttile.render(bank, **options), len(info.level_shapes) - 1)
    nodes = list(reader.Reader(parse_url(path))())
    levels = nodes[0].data  # the multiscale arrays, as napari-ome-zarr hands them to napari
    assert len(levels) == len(expected) >= 2
    for level, want in zip(levels, expected):
        got = np.asarray(level)
        got = got.transpose(1, 2, 0) if got.ndim == 3 else got  # NGFF stores channels first
        assert got.tobytes() == want.tobytes()
    attrs = json.loads((tmp_path / "p.zarr" / "zarr.json").read_text())["attributes"]["ome"]
    assert attrs["version"] == "0.5"
    axes = [a["name"] for a in attrs["multiscales"][0]["axes"]]
    assert axes == (["c", "y", "x"] if expected[0].ndim == 3 else ["y", "x"])


def test_ngff_metadata_validates(tmp_path):
    models = pytest.importorskip("ome_zarr_models.v05")
    path = str(tmp_path / "p.zarr")
    to_zarr(RGB, path, pyramid=2)
    image = models.Image.from_zarr(zarr.open_group(path, mode="r"))
    assert [d.path for d in image.attributes.ome.multiscales[0].datasets] == ["0", "1", "2"]


def test_interrupted_write_resumes(tmp_path):
    """Ctrl-C after three bands (raised from dask's own task callback), then the same
    call with resume=True: the three bands are skipped, the rest written, same bytes."""
    from dask.callbacks import Callback

    class InterruptAfter(Callback):
        def __init__(self, bands: int):
            super().__init__()
            self.left = bands

        def _posttask(self, key, result, dsk, state, worker_id):
            if "write_band" in str(key):
                self.left -= 1
                if self.left == 0:
                    raise KeyboardInterrupt

    bank = da.from_array(RGB, chunks=(30, 75))
    path = str(tmp_path / "m.zarr")
    options = {"rows": 1, "pyramid": 1, "normalize": "symmetric", "scheduler": "sync"}
    with pytest.raises(KeyboardInterrupt), InterruptAfter(3):
        to_zarr(bank, path, **options)
    assert zarr.open_group(path).attrs["fasttile"]["complete"] is False
    info = to_zarr(bank, path, resume=True, **options)
    assert (info.bands_skipped, info.bands_written) == (3, info.bands - 3)
    group = zarr.open_group(path, mode="r")
    expected = reference_pyramid(fasttile.render(RGB, normalize="symmetric"), 1)
    for level, want in enumerate(expected):
        assert group[str(level)][:].transpose(1, 2, 0).tobytes() == want.tobytes()
    assert to_zarr(bank, path, resume=True, **options).bands_written == 0  # complete: nothing to do


def test_existing_store_needs_a_decision(tmp_path):
    path = str(tmp_path / "m.zarr")
    to_zarr(RGB, path)
    with pytest.raises(FileExistsError, match="overwrite=True .* resume=True"):
        to_zarr(RGB, path)
    with pytest.raises(ValueError, match="different render"):
        to_zarr(RGB, path, resume=True, zoom=2)
    to_zarr(RGB, path, overwrite=True, zoom=2)
    assert zarr.open_array(path)[:].tobytes() == fasttile.render(RGB, zoom=2).tobytes()


def test_render_into_a_zarr_array(tmp_path):
    expected = fasttile.render(GRAY, normalize="global-symmetric")
    out = zarr.create_array(str(tmp_path / "o.zarr"), shape=expected.shape, chunks=(64, 50), dtype="uint8")
    bank = da.from_array(GRAY, chunks=(20, 9, 7))
    assert fasttile.render(bank, normalize="global-symmetric", out=out) is out
    assert out[:].tobytes() == expected.tobytes()
    wrong = zarr.create_array(str(tmp_path / "w.zarr"), shape=(5, 5), chunks=(5, 5), dtype="uint8")
    with pytest.raises(ValueError, match="the mosaic is uint8"):
        fasttile.render(bank, out=wrong)


def test_open_bank_from_groups_and_ls(tmp_path):
    path = str(tmp_path / "g.zarr")
    group = zarr.create_group(path)
    group.create_array("encoder", data=RGB, chunks=(50, 75))
    group.create_group("decoder").create_array("w", data=GRAY, chunks=(95, 9, 7))
    names = [a["name"] for a in list_arrays(path)]
    assert names == ["decoder/w", "encoder"]
    assert list_arrays(path)[1]["shape"] == RGB.shape
    with pytest.raises(ValueError, match="arrays decoder/w, encoder: pass key="):
        open_bank(path)
    with pytest.raises(KeyError, match="no array 'dec'"):
        open_bank(path, key="dec")
    assert fasttile.render(open_bank(path, key="decoder/w")).tobytes() == fasttile.render(GRAY).tobytes()
    with pytest.raises(FileNotFoundError, match="no zarr array or group"):
        open_bank(str(tmp_path / "missing.zarr"))


def test_cli_functions(tmp_path):
    from fasttile.cli.zarr_stores import cli_ls_zarr, cli_render_zarr, is_zarr_path

    bank = str(tmp_path / "bank.zarr")
    zarr.create_array(bank, data=RGB, chunks=(64, 75))
    out = str(tmp_path / "mosaic.zarr")
    line = cli_render_zarr(bank, out, options={"normalize": "global"}, rows=2)
    assert line.startswith(f"{out}: ") and "bands written" in line
    assert zarr.open_array(out)[:].tobytes() == fasttile.render(RGB, normalize="global").tobytes()
    with pytest.raises(FileExistsError, match="--overwrite .* --resume"):
        cli_render_zarr(bank, out)
    assert "0 of" in cli_render_zarr(bank, out, options={"normalize": "global"}, rows=2, resume=True)
    assert is_zarr_path(bank) and is_zarr_path(out) and not is_zarr_path(str(tmp_path))
    listing = cli_ls_zarr(bank)
    assert "(150, 75)" in listing[1] and "rows (150 x 1 tiles of 5x5)" in listing[1]


def test_tile_facts_beside_the_pyramid(tmp_path):
    from fasttile.chunked.tile_facts import STAT_COLUMNS

    conv = RNG.standard_normal((23, 4, 3, 3), dtype=np.float32)  # split: 4 gray tiles per unit
    options = {"order": "norm", "top": 20, "fill": "columns", "nrows": 9}
    path = str(tmp_path / "p.zarr")
    to_zarr(da.from_array(conv, chunks=(5, 4, 3, 2)), path, pyramid=1, facts=True, **options)
    tiles = zarr.open_group(path, mode="r")["tiles"]
    shown = fasttile.mosaic(conv, **options)
    assert tiles["unit"][:].tolist() == np.repeat(shown.units, 4).tolist()
    assert tiles["channel"][:].tolist() == [t % 4 for t in range(shown.tiles)]
    cells = [shown.cell_of_tile(t) for t in range(shown.tiles)]
    assert list(zip(tiles["row"][:].tolist(), tiles["col"][:].tolist())) == cells
    values = conv[np.repeat(shown.units, 4), np.tile(np.arange(4), len(shown.units))].reshape(shown.tiles, -1)
    values = values.astype(np.float64)
    expected = [
        (values**2).sum(1),
        values.mean(1),
        values.var(1),
        values.min(1),
        values.max(1),
        np.zeros(shown.tiles),
    ]
    for name, want in zip(STAT_COLUMNS, expected):
        np.testing.assert_allclose(tiles[name][:], want, rtol=1e-12, err_msg=name)
    with pytest.raises(ValueError, match="pass pyramid=True"):
        to_zarr(conv, str(tmp_path / "q.zarr"), facts=True)


def test_the_command_line_reads_and_writes_zarr(tmp_path, capsys):
    from PIL import Image

    from fasttile.cli.app import main

    bank = np.random.default_rng(21).standard_normal((50, 3, 5, 5)).astype(np.float32)
    group = zarr.open_group(str(tmp_path / "bank.zarr"), mode="w")
    group.create_array("enc/w", shape=bank.shape, dtype="f4", chunks=(7, 3, 5, 5))[:] = bank
    src, out = str(tmp_path / "bank.zarr"), str(tmp_path / "m.zarr")
    assert main(["ls", src]) == 0 and "enc/w" in capsys.readouterr().out
    assert main(["render", src, "--key", "enc/w", "-o", out, "--pyramid", "--order", "norm"]) == 0
    level0 = np.asarray(zarr.open_group(out)["0"][:]).transpose(1, 2, 0)
    assert np.array_equal(level0, fasttile.render(bank, order="norm"))
    assert main(["render", src, "--key", "enc/w", "-o", out]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["render", src, "--key", "enc/w", "-o", str(tmp_path / "m.png"), "--zoom", "2", "-q"]) == 0
    with Image.open(tmp_path / "m.png") as im:
        assert np.array_equal(np.asarray(im), fasttile.render(bank, zoom=2, padding=1))
    assert np.array_equal(fasttile.load(src, "enc/w").compute(), bank)


def test_big_endian_chunks_are_decoded_not_mapped(tmp_path):
    from zarr.codecs import BytesCodec

    bank = np.random.default_rng(22).standard_normal((40, 27)).astype(np.float32)
    for endian in ("big", "little"):
        path = str(tmp_path / f"{endian}.zarr")
        z = zarr.create_array(
            path,
            shape=bank.shape,
            chunks=(9, 27),
            dtype="f4",
            serializer=BytesCodec(endian=endian),
            compressors=None,
        )
        z[:] = bank
        assert np.array_equal(fasttile.render(open_bank(path)), fasttile.render(bank)), endian


def test_to_zarr_refuses_a_mosaic_with_a_clear_error(tmp_path):
    bank = np.ones((4, 9), np.float32)
    with pytest.raises(TypeError, match="pass the weights"):
        to_zarr(fasttile.mosaic(bank), str(tmp_path / "m.zarr"))
