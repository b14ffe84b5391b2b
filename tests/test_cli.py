"""The command line: every format rendered byte-for-byte as fasttile.render would,
pictures big enough to see, flags with negative values, output formats, help."""

import argparse
import io
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from PIL import Image

import fasttile
from fasttile.cli import app as cli
from fasttile.cli import common
from fasttile.cli import output as cli_output
from fasttile.cli import zoom as cli_zoom

rng = np.random.default_rng(9)
CONV = rng.standard_normal((16, 3, 5, 5)).astype(np.float32)
GRAY = rng.standard_normal((7, 3, 3, 3)).astype(np.float32)
RGB = rng.standard_normal((20, 75)).astype(np.float32)


def read_png(path):
    with Image.open(path) as im:
        return np.asarray(im)


def run(capsys, *args):
    """cli.main in this process: (exit status, stdout, stderr)."""
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "fasttile", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_render_npz_member_with_options_byte_exact(tmp_path, capsys):
    np.savez(tmp_path / "w.npz", conv1=GRAY, fc=RGB)
    args = ["--key", "fc", "--normalize", "global", "--indices", "2:12", "--order", "norm", "--ncols", "5"]
    code, _, err = run(capsys, "render", tmp_path / "w.npz", "-o", tmp_path / "b.png", "--zoom", "1", *args)
    assert code == 0, err
    expected = fasttile.render(RGB, normalize="global", indices=slice(2, 12), order="norm", ncols=5)
    assert np.array_equal(read_png(tmp_path / "b.png"), expected)


def test_picks_first_layer_and_says_so(tmp_path, capsys):
    np.savez(tmp_path / "w.npz", fc=RGB, conv1=GRAY)
    code, _, err = run(capsys, "render", tmp_path / "w.npz", "-o", tmp_path / "f.png", "--zoom", "2")
    assert code == 0 and "rendering 'conv1'" in err
    assert np.array_equal(read_png(tmp_path / "f.png"), fasttile.render(GRAY, zoom=2))


def test_small_mosaics_are_zoomed_with_padding_that_grows(tmp_path, capsys):
    w = rng.standard_normal((16, 1, 5, 5)).astype(np.float32)  # 25 x 25 pixels at zoom 1
    np.save(tmp_path / "w.npy", w)
    code, _, err = run(capsys, "render", tmp_path / "w.npy", "-o", tmp_path / "z.png")
    assert code == 0, err
    img = read_png(tmp_path / "z.png")
    zoom, padding = cli_zoom.choose_zoom(w, {})[:2]
    assert zoom > 1 and padding > 1 and f"zoom {zoom}, padding {padding}" in err
    assert np.array_equal(img, fasttile.render(w, zoom=zoom, padding=padding))
    assert max(img.shape) <= cli_zoom.AUTO_ZOOM_MAX_SIDE


def test_auto_zoom_reaches_512_and_respects_the_cap():
    w = np.zeros((64, 3, 7, 7), np.float32)  # 8 x 8 grid of 7x7 tiles
    zoom, padding, (h, width) = cli_zoom.choose_zoom(w, {})
    assert max(h, width) >= cli_zoom.AUTO_ZOOM_TARGET
    smaller = cli_zoom.mosaic_size((8, 8, 7, 7), zoom - 1, cli_zoom.padding_for(zoom - 1))
    assert max(smaller) < cli_zoom.AUTO_ZOOM_TARGET  # the smallest zoom that gets there
    assert (h, width) == fasttile.render(w, zoom=zoom, padding=padding).shape[:2]
    big = np.zeros((100, 3072), np.float32)  # already 331 px: zoom 2 is 661 px
    assert cli_zoom.choose_zoom(big, {})[0] == 2
    huge = np.zeros((4096, 784), np.float32)  # 1857 px at zoom 1: stays
    assert cli_zoom.choose_zoom(huge, {})[:2] == (1, 1)
    assert cli_zoom.choose_zoom(np.zeros((1, 1), np.float32), {})[0] == cli_zoom.AUTO_ZOOM_MAX
    assert cli_zoom.choose_zoom(w, {"zoom": 3})[:2] == (3, 1)  # --zoom given: padding follows it
    assert cli_zoom.choose_zoom(w, {"zoom": 9})[:2] == (9, 1)  # a zoom given: save(zoom=9)'s picture
    assert cli_zoom.choose_zoom(w, {"padding": 0})[1] == 0  # --padding given: kept


def test_explicit_zoom_and_padding_are_exact(tmp_path, capsys):
    np.save(tmp_path / "w.npy", CONV)
    code, _, err = run(
        capsys, "render", tmp_path / "w.npy", "-o", tmp_path / "e.png", "--zoom", "1", "--padding", "1"
    )
    assert code == 0 and "zoom" not in err.split("wrote")[0]
    assert np.array_equal(read_png(tmp_path / "e.png"), fasttile.render(CONV))


@pytest.mark.parametrize("ext", [".png", ".tif", ".tiff", ".npy"])
def test_output_formats_read_back(tmp_path, capsys, ext):
    np.save(tmp_path / "w.npy", CONV)
    out = tmp_path / f"m{ext}"
    args = ["--zoom", "2", "--channel", "0", "--cmap", "viridis"]
    code, _, err = run(capsys, "render", tmp_path / "w.npy", "-o", out, *args)
    assert code == 0, err
    expected = fasttile.render(CONV, zoom=2, padding=cli_zoom.padding_for(2), channel=0, cmap="viridis")
    if ext == ".npy":
        got = np.load(out)
    elif ext == ".png":
        got = read_png(out)
    else:
        tifffile = pytest.importorskip("tifffile")
        got = tifffile.imread(out)
    assert np.array_equal(got, expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, "w.npy"])  # no temporaries left


@pytest.mark.parametrize("name", ["out.jpg", "out", "out.PNG.gz"])
def test_unknown_output_extension_is_refused(tmp_path, capsys, name):
    np.save(tmp_path / "w.npy", CONV)
    code, _, err = run(capsys, "render", tmp_path / "w.npy", "-o", tmp_path / name)
    assert code == 2
    assert "-o takes .npy, .png, .tif, .tiff, .zarr" in err and "(" not in err  # one plain sentence
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / name).exists()


def test_negative_values_without_equals(tmp_path, capsys):
    np.save(tmp_path / "w.npy", RGB)
    code, _, err = run(
        capsys,
        "render",
        tmp_path / "w.npy",
        "-o",
        tmp_path / "n.png",
        "--zoom",
        "1",
        "--value-range",
        "-1,1",
        "--indices",
        "-8:",
        "--channel",
        "-1",
    )
    assert code == 0, err
    expected = fasttile.render(RGB, value_range=(-1, 1), indices=slice(-8, None), channel=-1)
    assert np.array_equal(read_png(tmp_path / "n.png"), expected)
    assert cli.join_negative_values(["--top", "-3", "-o", "x"], {"--top", "-o"}) == ["--top=-3", "-o", "x"]


def test_hints_name_flags_not_keywords(tmp_path, capsys):
    w = RGB.copy()
    w[3, 5] = np.nan
    np.save(tmp_path / "nan.npy", w)
    np.save(tmp_path / "odd.npy", np.zeros((4, 10), np.float32))
    code, _, err = run(capsys, "render", tmp_path / "nan.npy", "-o", tmp_path / "x.png")
    assert code == 2 and "--nonfinite mark" in err and "nonfinite=" not in err
    code, _, err = run(capsys, "render", tmp_path / "odd.npy", "-o", tmp_path / "x.png")
    assert code == 2 and "--tile-shape H,W" in err and "tile_shape" not in err
    code, _, err = run(
        capsys, "render", tmp_path / "nan.npy", "--normalize", "none", "-o", tmp_path / "x.png"
    )
    assert code == 2 and "--value-range LO,HI" in err


def test_misspelt_flag_suggests_the_closest(tmp_path, capsys):
    np.save(tmp_path / "w.npy", CONV)
    assert cli.main(["render", str(tmp_path / "w.npy"), "--zom", "3"]) == 2
    assert "did you mean --zoom?" in capsys.readouterr().err


def test_quiet_prints_nothing(tmp_path, capsys):
    np.savez(tmp_path / "w.npz", a=CONV, b=GRAY)
    code, out, err = run(capsys, "render", tmp_path / "w.npz", "-o", tmp_path / "q.png", "--quiet")
    assert code == 0 and out == "" and err == ""
    assert (tmp_path / "q.png").exists()


def test_progress_bar_only_on_a_terminal_for_slow_writes(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    args = argparse.Namespace(quiet=False)
    with cli_output.progress_bar(args, 100, 0.1) as callback:
        assert callback is None  # fast: no bar
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with cli_output.progress_bar(args, 100, 5.0) as callback:
        assert callback is None  # not a terminal
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with cli_output.progress_bar(args, 100, 5.0) as callback:
        callback(40, 100)
        callback(100, 100)
    assert "100/100" in terminal.getvalue()
    with cli_output.progress_bar(argparse.Namespace(quiet=True), 100, 5.0) as callback:
        assert callback is None


def test_progress_is_wired_to_save(tmp_path, monkeypatch):
    calls = {}

    class Info:
        shape = (5, 6)

    def save(weights, path, *, progress=None, **options):
        calls.update(path=path, progress=progress, options=options)
        return Info()

    monkeypatch.setattr(cli_output, "save", save)
    monkeypatch.setattr(cli_output, "_expected_seconds", lambda *a: 10.0)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    args = argparse.Namespace(quiet=False, level=None)
    shape = cli_output.save_with_progress(args, CONV, str(tmp_path / "p.png"), {"zoom": 2}, (50, 60))
    assert shape == (5, 6) and calls["options"] == {"zoom": 2} and callable(calls["progress"])


def test_help_shows_examples_and_every_option_has_help(capsys):
    parser = cli.build_parser()
    assert "examples:" in parser.format_help() and "fasttile render" in parser.format_help()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"render", "ls", "demo"} <= set(subparsers.choices)
    for name, sub in subparsers.choices.items():
        text = sub.format_help()
        examples = text.split("examples:")[1].strip().splitlines()
        assert 2 <= len(examples) <= 3 and all(e.strip().startswith("fasttile ") for e in examples), name
        for action in sub._actions:
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
    r = run_process("render", "--help", cwd=".")
    assert r.returncode == 0 and "examples:" in r.stdout


def test_a_subcommand_module_registers_in_one_line(monkeypatch, tmp_path, capsys):
    module = type(sys)("fasttile_test_extra")

    def register(subparsers):
        p = common.add_subcommand(
            subparsers, "hello", "say hello", ["fasttile hello w.npy", "fasttile hello -q w.npy"]
        )
        common.add_input_arguments(p)
        p.set_defaults(run=lambda args: print(common.open_weights(args).name) or 0)

    module.register = register
    monkeypatch.setitem(sys.modules, "fasttile_test_extra", module)
    monkeypatch.setattr(cli, "command_modules", lambda: ["fasttile_test_extra"])
    np.save(tmp_path / "w.npy", CONV)
    code, out, _ = run(capsys, "hello", tmp_path / "w.npy")
    assert code == 0 and out.strip() == "w"


def test_ls_lists_layouts_and_first_layer(tmp_path, capsys):
    np.savez(
        tmp_path / "w.npz", conv1=GRAY, bias=np.zeros(3, np.float32), W1=np.zeros((3072, 100), np.float32)
    )
    code, out, _ = run(capsys, "ls", tmp_path / "w.npz")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()[1:-1]}
    assert "oihw (4-D default): 7 RGB 3x3 tiles" in lines["conv1"] and "first-layer filters" in lines["conv1"]
    assert "1-D" in lines["bias"]
    assert "rows (2-D default)" in lines["W1"] and "--layout cols looks likelier" in lines["W1"]


def test_keras_h5_and_keras_archive_keep_keras_layouts(tmp_path, capsys):
    h5py = pytest.importorskip("h5py")
    kernel = np.ascontiguousarray(GRAY.transpose(2, 3, 1, 0))  # Keras stores conv kernels HWIO
    dense = RGB.T.copy()  # and dense kernels (inputs, units): one tile per column
    with h5py.File(tmp_path / "model.weights.h5", "w") as f:  # Keras 3's weights file layout
        f["layers/conv2d/vars/0"] = kernel
        f["layers/dense/vars/0"] = dense
        f.create_group("vars")
    with zipfile.ZipFile(tmp_path / "model.keras", "w") as z:  # stored, as Keras writes it
        z.writestr("metadata.json", "{}")
        z.write(tmp_path / "model.weights.h5", "model.weights.h5")
    for name in ("model.weights.h5", "model.keras"):
        out = tmp_path / "k.png"
        code, _, err = run(
            capsys, "render", tmp_path / name, "--key", "conv2d/vars/0", "-o", out, "--zoom", "1"
        )
        assert code == 0, err
        assert np.array_equal(read_png(out), fasttile.render(GRAY)) and "warning" not in err
    code, _, err = run(
        capsys, "render", tmp_path / "model.keras", "--key", "layers/dense/vars/0", "-o", out, "--zoom", "1"
    )
    assert code == 0, err
    assert np.array_equal(read_png(out), fasttile.render(RGB))
    code, out_text, _ = run(capsys, "ls", tmp_path / "model.keras")
    assert "hwio (Keras default)" in out_text and "cols (Keras default)" in out_text


def test_process_exit_codes_and_one_line(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04" + bytes(100))
    r = run_process("render", "bad.npz", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and "bad.npz" in r.stderr


def test_names_from_a_file_cannot_drive_the_terminal(tmp_path, capsys):
    st = pytest.importorskip("safetensors.numpy")
    st.save_file({"evil\x1b[31mred\x07": CONV}, str(tmp_path / "e.safetensors"))
    code, out, _ = run(capsys, "ls", tmp_path / "e.safetensors")
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "evil\\x1b[31mred\\x07" in out
    code, _, err = run(
        capsys, "render", tmp_path / "e.safetensors", "--key", "nope\x1b[2J", "-o", tmp_path / "x.png"
    )
    assert code == 2 and "\x1b" not in err and "has no tensor" in err


def test_missing_optional_extra_is_one_line(tmp_path, capsys, monkeypatch):
    (tmp_path / "m.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    monkeypatch.setitem(sys.modules, "h5py", None)  # import fails
    code, _, err = run(capsys, "ls", tmp_path / "m.h5")
    assert code == 2 and "needs the 'keras' extra: pip install 'fasttile[keras]'" in err
    assert len(err.strip().splitlines()) == 1
