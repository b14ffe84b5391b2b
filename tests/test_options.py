"""The one option table (fasttile/tiling/options.py) and what is derived from it: every
rendering verb's signature, the typed keywords, the command-line flags, the fast path's
cache key, the misspelling suggestions; and the new-user reports that came from lists
kept by hand, one test each."""

from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pytest

import fasttile
from fasttile.cli import app, main
from fasttile.cli.flags import flag
from fasttile.tiling import options as table
from fasttile.tiling import typed_options
from fasttile.tiling.fast_path import CACHEABLE

rng = np.random.default_rng(17)
BANK = rng.standard_normal((16, 1, 5, 5)).astype(np.float32)

# every public function that draws a mosaic, with the render options it does not take
# as render options (declared with another meaning, or refused by name)
VERBS = {
    "render": (),
    "mosaic": ("out",),
    "strips": ("out",),
    "save": ("out",),
    "show": ("out",),
    "pyramid": ("out",),
    "browse": ("out",),
    "preview_png": ("out",),
    "sprite": ("out",),
    "log": ("out",),
    "animate": ("out", "normalize"),
    "diff": ("out",),
    "to_zarr": ("out",),
}


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_every_rendering_verb_names_the_render_options(verb):
    params = inspect.signature(getattr(fasttile, verb)).parameters
    assert not any(p.kind is p.VAR_KEYWORD for p in params.values()), verb
    missing = [o for o in table.NAMES if o not in params and o not in VERBS[verb]]
    assert missing == [], (verb, missing)
    assert "Render options" in getattr(fasttile, verb).__doc__


def test_typed_options_are_generated_from_the_table():
    path = inspect.getsourcefile(typed_options)
    with open(path, encoding="utf-8") as f:
        assert f.read() == table.typed_options_source(), "run python -m fasttile.tiling.options"
    assert set(typed_options.RenderOptions.__annotations__) == set(table.NAMES)


def test_render_help_has_a_flag_for_every_render_keyword():
    render = next(a for a in app.build_parser()._actions if a.dest == "command").choices["render"]
    flags = {f for a in render._actions for f in a.option_strings}
    assert {flag(o.name) for o in table.RENDER_OPTIONS if o.flag} <= flags
    assert {o.name for o in table.RENDER_OPTIONS if not o.flag} == {"out", "rows", "scheduler"}


def test_fast_path_keys_and_chunked_checks_come_from_the_table():
    assert CACHEABLE <= set(table.NAMES)
    from fasttile.chunked.checks import check_options

    for name in table.NAMES:  # the chunked route takes (or checks) every keyword render takes
        if name not in ("out", "rows", "scheduler", "cmap", "dead", "indices", "tile_shape", "value_range"):
            check_options((16, 1, 5, 5), np.float32, **{name: table.DEFAULTS[name]})
    with pytest.raises(TypeError, match="did you mean 'zoom'"):
        check_options((16, 1, 5, 5), np.float32, zooom=2)


def test_a_misspelt_keyword_names_the_function_called(tmp_path):
    with pytest.raises(
        TypeError, match=r"^pyramid\(\) got an unexpected keyword argument 'zooom'; did you mean 'zoom'\?"
    ):
        fasttile.pyramid(BANK, tmp_path / "site", zooom=2)
    with pytest.raises(TypeError, match=r"^save\(\) got an unexpected keyword argument 'compress_level'"):
        fasttile.save(BANK, tmp_path / "a.png", compress_level=9)
    assert not list(tmp_path.iterdir())


def test_level_is_one_name_for_png_compression_everywhere(tmp_path):
    info = fasttile.pyramid(BANK, tmp_path / "site", level="small")  # was a TypeError naming render()
    assert info.tiles_written > 0
    fasttile.save(BANK, tmp_path / "a.png", level="small")
    assert (
        main(["render", str(_saved(tmp_path)), "-o", str(tmp_path / "b.png"), "--level", "small", "-q"]) == 0
    )


def _saved(tmp_path):
    np.save(tmp_path / "w.npy", BANK)
    return tmp_path / "w.npy"


def test_a_zoom_given_on_the_command_line_draws_what_save_draws(tmp_path):
    from PIL import Image

    assert main(["render", str(_saved(tmp_path)), "-o", str(tmp_path / "z.png"), "--zoom", "8", "-q"]) == 0
    fasttile.save(BANK, tmp_path / "s.png", zoom=8)
    assert np.array_equal(
        np.asarray(Image.open(tmp_path / "z.png")), np.asarray(Image.open(tmp_path / "s.png"))
    )


def test_diff_help_offers_only_symmetric_scales(capsys):
    diff = next(a for a in app.build_parser()._actions if a.dest == "command").choices["diff"]
    text = diff.format_help()
    assert "{global-symmetric,symmetric}" in text and "range per tile" not in text


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--layout", "ohiw"], "did you mean oihw?"),
        (["--normalize", "globl"], "did you mean global?"),
        (["--zom", "3"], "did you mean --zoom?"),
    ],
)
def test_wrong_flags_and_choices_are_one_line_with_a_suggestion(tmp_path, capsys, argv, expected):
    assert main(["render", str(_saved(tmp_path)), *argv]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1 and "usage" not in err


def test_choices_are_read_in_any_case_as_in_python(tmp_path):
    out = tmp_path / "o.png"
    assert (
        main(["render", str(_saved(tmp_path)), "-o", str(out), "--layout", "OIHW", "--zoom", "1", "-q"]) == 0
    )
    from PIL import Image

    assert np.array_equal(np.asarray(Image.open(out)), fasttile.render(BANK, layout="OIHW"))


def test_render_output_help_lists_zarr(capsys):
    render = next(a for a in app.build_parser()._actions if a.dest == "command").choices["render"]
    assert ".npy, .png, .tif, .tiff, .zarr" in " ".join(render.format_help().split())


def test_pyramid_refuses_a_folder_named_like_an_image(tmp_path, capsys):
    assert main(["pyramid", str(_saved(tmp_path)), "-o", str(tmp_path / "a.png")]) == 2
    assert "a pyramid is a folder" in capsys.readouterr().err and not (tmp_path / "a.png").exists()


def test_public_types_in_signatures_are_exported():
    for name in ("PyramidInfo", "SpriteInfo", "AnimationInfo", "ZarrInfo", "SaveInfo", "Mosaic"):
        assert name in fasttile.__all__ and hasattr(fasttile, name), name


def test_counts_are_singular_for_one(tmp_path, capsys):
    np.savez(tmp_path / "one.npz", a=np.ones((4, 9), np.float32))
    assert main(["ls", str(tmp_path / "one.npz")]) == 0
    assert "1 tensor in" in capsys.readouterr().out


def test_a_5d_array_is_refused_with_its_shape(tmp_path, capsys):
    np.save(tmp_path / "five.npy", np.zeros((2, 3, 4, 5, 6), np.float32))
    assert main(["render", str(tmp_path / "five.npy")]) == 2
    assert "(2, 3, 4, 5, 6)" in capsys.readouterr().err


def test_an_unwritable_target_is_named_not_its_temporary(tmp_path, capsys):
    target = tmp_path / "ro"
    target.mkdir()
    target.chmod(0o500)
    try:
        code = main(["render", str(_saved(tmp_path)), "-o", str(target / "a.png")])
        err = capsys.readouterr().err
    finally:
        target.chmod(0o700)
    if code == 0:  # root writes anywhere: nothing to refuse here
        pytest.skip("running as root")
    assert code == 2 and "fasttile-partial" not in err and "a.png" in err


def test_unknown_output_is_one_plain_sentence(tmp_path, capsys):
    assert main(["render", str(_saved(tmp_path)), "-o", str(tmp_path / "x.jpg")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("-o takes .npy, .png, .tif, .tiff, .zarr") and err.count("(") == 0


def test_no_note_before_an_error(tmp_path, capsys):
    assert main(["render", str(_saved(tmp_path)), "-o", str(tmp_path / "missing" / "a.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "zoom" not in err[0]


def test_no_fasttile_module_imports_another_inside_a_function():
    import ast
    import pathlib

    root = pathlib.Path(fasttile.__file__).parent
    inside = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and inner.level > 0:
                        inside.append(f"{path.relative_to(root)}:{inner.lineno}")
    assert inside == []


def test_the_layers_are_checked():
    import pathlib

    command = pathlib.Path(sys.executable).with_name("lint-imports")
    if not command.exists():
        pytest.skip("import-linter is not installed (the test extra has it)")
    root = pathlib.Path(__file__).resolve().parents[1]
    lint = subprocess.run([str(command)], capture_output=True, text=True, cwd=root)
    assert lint.returncode == 0 and "BROKEN" not in lint.stdout, lint.stdout[-2000:]


def test_every_long_operation_reports_progress(tmp_path):
    calls = {}

    def recorder(name):
        return lambda done, total: calls.setdefault(name, []).append((done, total))

    fasttile.save(BANK, tmp_path / "a.png", progress=recorder("save"), rows=1)
    fasttile.pyramid(BANK, tmp_path / "site", progress=recorder("pyramid"))
    fasttile.sprite(BANK, tmp_path / "projector", progress=recorder("sprite"))
    pytest.importorskip("imageio")
    fasttile.animate([BANK, BANK * 2], tmp_path / "a.gif", progress=recorder("animate"))
    for name, seen in calls.items():
        assert seen[-1][0] == seen[-1][1] and all(d <= t for d, t in seen), name
    assert set(calls) == {"save", "pyramid", "sprite", "animate"}
    assert calls["animate"] == [(1, 2), (2, 2)]
    for verb in ("save", "pyramid", "sprite", "animate", "to_zarr"):
        assert "progress" in inspect.signature(getattr(fasttile, verb)).parameters, verb


def test_to_zarr_reports_progress_band_by_band(tmp_path):
    zarr = pytest.importorskip("zarr")
    pytest.importorskip("dask")
    seen = []
    fasttile.to_zarr(BANK, tmp_path / "m.zarr", rows=1, progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert np.array_equal(zarr.open_array(tmp_path / "m.zarr")[:], fasttile.render(BANK))


def test_command_line_messages_carry_no_python_advice():
    from fasttile.cli.words import cli_words

    one_d = (
        "weights must have 2, 3 or 4 dimensions, got shape (5,); "
        "a single flattened tile is weights.reshape(1, -1)"
    )
    assert "reshape" not in cli_words(one_d) and "(5,)" in cli_words(one_d)
    zarr = "m.zarr holds zarr data that fasttile.to_zarr did not write; pass overwrite=True"
    assert cli_words(zarr) == "m.zarr holds zarr data that fasttile did not write; pass --overwrite"
