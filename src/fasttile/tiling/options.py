"""The one table of render options.

Every keyword that `render` takes is one `Option` here, and everything that names the
options is derived from this table: the signatures of `render` and of every verb that
renders (`inspect.signature`, `help()`), the typed keywords for type checkers
(`typed_options.py`, generated from this table and checked against it by a test), the
option reference in the docstrings and the documentation, the command line's flags,
the fast path's cache key, the chunked route's checks and the misspelling suggestions.
Adding an option is one entry here (plus the kernel work it needs).
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar, cast

from .checks import NORMALIZATIONS
from .layout import LAYOUTS_BY_NDIM
from .selection import DEAD_MODES, ORDERS

# A function whose type the decorators below keep (type checkers see its own signature).
F = TypeVar("F", bound=Callable[..., Any])

LAYOUTS = tuple(name for names in LAYOUTS_BY_NDIM.values() for name in names)


@dataclass(frozen=True)
class Option:
    name: str
    default: Any
    type: str  # the annotation, as Python source: signatures, the typed keywords, the docs
    doc: str  # what it means, for docstrings and the documentation
    flag_help: str  # the command line's one-line help
    parse: str = "str"  # how the command line reads it: see cli/flags.py
    choices: Optional[tuple] = None
    metavar: Optional[str] = None
    cacheable: bool = False  # the fast path may key a cached plan on its plain value
    flag: bool = True  # a command-line flag (out= is not)
    layout: bool = False  # part of layout resolution (the chunked route reads these apart)


RENDER_OPTIONS: tuple[Option, ...] = (
    Option(
        "layout",
        None,
        "Optional[str]",
        'How tiles sit in the array. 2-D: "rows" (N, D) [default] or "cols" (D, N). 3-D: "nhw" '
        '[default]. 4-D: "oihw" [default, PyTorch conv], "hwio" (Keras / TensorFlow), "ohwi" '
        '(TFLite), "nhwc", "nchw". When the default is probably the wrong reading of the shape, a '
        "LayoutWarning names the likelier one; passing any layout explicitly silences it.",
        "weight layout (default: rows / nhw / oihw by ndim; Keras files hwio / cols)",
        parse="choice",
        choices=LAYOUTS,
        cacheable=True,
        layout=True,
    ),
    Option(
        "tile_shape",
        None,
        "Optional[Sequence[int]]",
        "(h, w) or (h, w, c) of each tile of 2-D weights; inferred when D is h*h*3 (RGB) or h*h (gray).",
        "tile shape for 2-D weights (inferred when square)",
        parse="ints",
        metavar="H,W[,C]",
        cacheable=True,
        layout=True,
    ),
    Option(
        "channel_order",
        "hwc",
        "str",
        'Order of the values of a flattened 2-D tile: "hwc" (NumPy, CS231n) or "chw" (PyTorch, '
        "raw CIFAR-10).",
        "order of a flattened tile's values (default hwc)",
        parse="choice",
        choices=("hwc", "chw"),
        cacheable=True,
        layout=True,
    ),
    Option(
        "channel",
        None,
        "Union[None, int, str]",
        "Tiles with 1 or 3 channels are drawn gray or RGB; others become one gray tile per (filter, "
        'channel), a filter per grid row. Or pick: an index k, "mean" (the channel mean) or "split" '
        "(always one tile per channel).",
        "draw channel K only, the mean, or split them",
        parse="channel",
        metavar="K|mean|split",
        cacheable=True,
        layout=True,
    ),
    Option(
        "bgr",
        False,
        "bool",
        "Swap the channels of RGB tiles (Caffe, OpenCV weights).",
        "weights are BGR (Caffe, OpenCV)",
        parse="switch",
        cacheable=True,
        layout=True,
    ),
    Option(
        "normalize",
        None,
        "Optional[str]",
        '"tile" (each tile over its own range; the default), "global" (one range for all), '
        '"symmetric" (0 maps to 128, per tile), "global-symmetric", or "none" (needs '
        'value_range). None means "tile", or "none" when value_range is given.',
        "range per tile (default), global, symmetric, global-symmetric, none",
        parse="choice",
        choices=NORMALIZATIONS,
        cacheable=True,
    ),
    Option(
        "value_range",
        None,
        "Optional[Sequence[float]]",
        "A fixed (lo, hi): values are clamped to it and mapped to 0..255.",
        "fixed range, values clamped (e.g. -1,1)",
        parse="floats",
        metavar="LO,HI",
        cacheable=True,
    ),
    Option(
        "nonfinite",
        "raise",
        "str",
        'NaN / inf: "raise" a ValueError naming how many and which tiles, or "mark" (paint those '
        "pixels magenta).",
        "NaN/inf: fail (default) or paint magenta",
        parse="choice",
        choices=("raise", "mark"),
        cacheable=True,
    ),
    Option(
        "indices",
        None,
        "Union[None, slice, Sequence[int], np.ndarray]",
        "Which filters to draw: a list of indices, a boolean mask or a slice.",
        "which filters to draw (e.g. 0,5,9 or -8:)",
        parse="indices",
        metavar="I,J,..|A:B[:S]",
    ),
    Option(
        "order",
        "index",
        "str",
        '"index" (as stored), or largest first by "norm" (L2), "variance" or "max_abs".',
        "index (default); norm, variance or max_abs: largest first",
        parse="choice",
        choices=ORDERS,
        cacheable=True,
    ),
    Option(
        "top",
        None,
        "Optional[int]",
        "Keep only the first `top` filters after ordering.",
        "draw only the first N filters (after --order)",
        parse="int",
        metavar="N",
    ),
    Option(
        "dead",
        None,
        "Union[None, str, tuple[str, float]]",
        'Dead units: constant, or of L2 norm at most 1e-3 of the largest. "hide" drops them, "only" '
        'keeps just them, "mark" draws every unit and lets the viewers dim the dead ones; '
        "(mode, threshold) sets the norm threshold (also the one viewers use).",
        "hide dead units (constant or near-zero norm), only show them, or mark them in viewers; "
        "MODE:T sets the norm threshold",
        parse="dead",
        choices=DEAD_MODES,
        metavar="{" + ",".join(DEAD_MODES) + "}[:T]",
    ),
    Option(
        "nrows",
        None,
        "Optional[int]",
        "Grid rows; default: as many as the tiles need.",
        "grid rows (default: as many as needed)",
        parse="int",
        metavar="N",
        cacheable=True,
    ),
    Option(
        "ncols",
        None,
        "Optional[int]",
        "Grid columns; default: ceil(sqrt(tiles)).",
        "grid columns (default: ceil(sqrt(tiles)))",
        parse="int",
        metavar="N",
        cacheable=True,
    ),
    Option(
        "fill",
        "rows",
        "str",
        'Fill the grid row by row ("rows") or column by column ("columns").',
        "fill the grid row by row (default) or column by column",
        parse="choice",
        choices=("rows", "columns"),
        cacheable=True,
    ),
    Option(
        "padding",
        1,
        "int",
        "Pixels between tiles and around the edge.",
        "pixels between tiles (default 1)",
        parse="int",
        metavar="PX",
        cacheable=True,
    ),
    Option(
        "pad_value",
        0,
        "Union[int, Sequence[int]]",
        "Colour of the padding: a gray level 0..255 or an (r, g, b) triple.",
        "padding colour: gray level or R,G,B (default 0)",
        parse="pad",
        metavar="V|R,G,B",
        cacheable=True,
    ),
    Option(
        "zoom",
        1,
        "int",
        "Integer nearest-neighbour upscaling of every tile.",
        "integer upscaling of every tile (default 1)",
        parse="int",
        metavar="Z",
        cacheable=True,
    ),
    Option(
        "cmap",
        None,
        "Any",
        "A matplotlib colormap (name, object or (256, 3) uint8 table) for gray tiles.",
        "matplotlib colormap for gray tiles (e.g. RdBu_r)",
        metavar="NAME",
    ),
    Option(
        "out",
        None,
        "Optional[np.ndarray]",
        "A preallocated uint8 array of the mosaic's shape to render into (a row slice of a larger "
        "image or a memmap is fine); it is returned.",
        "",
        flag=False,
    ),
    Option(
        "rows",
        None,
        "Optional[int]",
        "Grid rows per band when the mosaic is drawn in bands (chunked banks, save, strips); "
        "default: about 8 MB of pixels a band. Never changes the picture.",
        "",
        flag=False,
    ),
    Option(
        "scheduler",
        None,
        "Any",
        'A dask scheduler (a distributed Client, "threads", "processes" ...): render the bank as '
        "a dask graph on it, band by band. Dask and zarr arrays always render so.",
        "",
        flag=False,
    ),
    Option(
        "threads",
        None,
        "Optional[int]",
        "Kernel threads (None: all cores); results never depend on it.",
        "kernel threads (default: all cores)",
        parse="int",
        metavar="N",
        cacheable=True,
    ),
    Option(
        "backend",
        "auto",
        "str",
        '"auto" (compiled kernel, NumPy fallback with a warning), "native" or "numpy".',
        "compiled kernel (default auto) or NumPy",
        parse="choice",
        choices=("auto", "native", "numpy"),
        cacheable=True,
    ),
)

BY_NAME: Mapping[str, Option] = {o.name: o for o in RENDER_OPTIONS}
NAMES = tuple(BY_NAME)
DEFAULTS: Mapping[str, Any] = {o.name: o.default for o in RENDER_OPTIONS}
CACHEABLE = frozenset(o.name for o in RENDER_OPTIONS if o.cacheable)
LAYOUT_NAMES = tuple(o.name for o in RENDER_OPTIONS if o.layout)


def unknown_keyword(verb: str, unknown: Iterable[str], known: Iterable[str]) -> TypeError:
    """`verb() got an unexpected keyword argument 'zooom'; did you mean 'zoom'?`"""
    name = next(iter(unknown))
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"the options are {', '.join(known)}"
    return TypeError(f"{verb}() got an unexpected keyword argument {name!r}; {hint}")


def with_defaults(options: Mapping[str, Any], verb: str = "render") -> dict:
    """Every render option, the given ones over the table's defaults; a misspelt one
    raises TypeError naming `verb` and the closest option."""
    unknown = [k for k in options if k not in BY_NAME]
    if unknown:
        raise unknown_keyword(verb, unknown, NAMES)
    return {**DEFAULTS, **options}


def parameters(exclude: Iterable[str] = ()) -> list[inspect.Parameter]:
    """The render options as keyword-only parameters, in the table's order."""
    skip = set(exclude)
    return [
        inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, default=o.default, annotation=o.type)
        for o in RENDER_OPTIONS
        if o.name not in skip
    ]


def reference(exclude: Iterable[str] = (), indent: str = "    ") -> str:
    """The options' documentation: `name=default : type`, then what it means."""
    skip = set(exclude)
    lines = []
    for o in RENDER_OPTIONS:
        if o.name not in skip:
            default = repr(o.default).replace("'", '"')
            lines.append(f"{indent}{o.name}={default} : {o.type}")
            lines.append(f"{indent}    {o.doc}")
    return "\n".join(lines)


def _signature_with_options(func: Callable, excluded: frozenset) -> inspect.Signature:
    """func's own parameters, then the render options it does not declare itself."""
    own = [p for p in inspect.signature(func).parameters.values() if p.kind != p.VAR_KEYWORD]
    declared = {p.name for p in own}
    return inspect.signature(func).replace(parameters=own + parameters(excluded | declared))


def _document(func: Callable, excluded: frozenset) -> str:
    excluded = excluded | set(inspect.signature(func).parameters)
    return (
        (func.__doc__ or "").rstrip() + "\n\n    Render options\n    --------------\n" + reference(excluded)
    )


def shows_render_options(func: F) -> F:
    """render's own signature and docstring from the table, with no wrapper (a tiny
    render costs a few microseconds: a wrapper would be a tenth of that). Misspelt
    keywords are refused by prepare(), in render's name."""
    func.__doc__ = _document(func, frozenset())
    func.__signature__ = _signature_with_options(func, frozenset())  # type: ignore[attr-defined]
    return func


def takes_render_options(*, exclude: Iterable[str] = (), verb: Optional[str] = None) -> Callable[[F], F]:
    """Give a function that passes **options on to render its real signature: the
    render options (less `exclude`) in place of **options, in `inspect.signature`
    and `help()`, and their reference appended to its docstring. Unknown keywords are
    refused in the function's own name before any work."""
    excluded = frozenset(exclude)

    def decorate(func: F) -> F:
        name = verb or func.__name__
        signature = _signature_with_options(func, excluded)
        known = [p.name for p in signature.parameters.values() if p.kind == p.KEYWORD_ONLY]

        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:  # excluded options: func says why it refuses them
            stray = [k for k in kwargs if k not in signature.parameters and k not in excluded]
            if stray:
                raise unknown_keyword(name, stray, known)
            return func(*args, **kwargs)

        checked.__signature__ = signature  # type: ignore[attr-defined]
        checked.__doc__ = _document(func, excluded)
        del checked.__wrapped__  # tools that unwrap (Sphinx) would show **options again
        return cast(F, checked)

    return decorate


# The typed keywords type checkers see (`**options: Unpack[DrawOptions]`): one TypedDict
# per set of render options a verb takes, less the ones it declares or refuses itself.
# typed_options.py is generated from here (typed_options_source) and a test keeps it so.
TYPED_SETS: Mapping[str, tuple[str, ...]] = {
    "RenderOptions": (),  # render
    "DrawOptions": ("out",),  # mosaic, pyramid, browse, sprite, show, log, preview_png
    "BandOptions": ("out", "rows"),  # save, strips (rows is their own)
    "ZarrOptions": ("out", "rows", "scheduler"),  # to_zarr
    "AnimateOptions": ("out", "normalize"),  # animate (normalize spans frames)
    "DiffOptions": ("out", "layout", "normalize", "cmap"),  # diff
}


def typed_options_source() -> str:
    """The text of typed_options.py: the options every set shares in one base class,
    each set adding the ones it keeps of those some other set leaves out."""
    varying = {name for excluded in TYPED_SETS.values() for name in excluded}
    lines = [
        '"""Typed render options for type checkers. GENERATED from options.py by',
        "`python -m fasttile.tiling.options`; do not edit (tests/test_options.py checks it).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Sequence",
        "from typing import Any, Optional, TypedDict, Union",
        "",
        "import numpy as np",
        "",
        "",
        "class _Shared(TypedDict, total=False):",
    ]
    lines += [f"    {o.name}: {o.type}" for o in RENDER_OPTIONS if o.name not in varying]
    for name, excluded in TYPED_SETS.items():
        own = [
            f"    {o.name}: {o.type}" for o in RENDER_OPTIONS if o.name in varying and o.name not in excluded
        ]
        lines += ["", "", f"class {name}(_Shared, total=False):"] + (own or ["    pass"])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # regenerate typed_options.py beside this file
    import pathlib

    pathlib.Path(__file__).with_name("typed_options.py").write_text(typed_options_source())
