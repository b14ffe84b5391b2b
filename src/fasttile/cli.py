"""The fasttile command: render a weight file to PNG, list a file's tensors, or run
the demo. Errors are one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any, Optional

from . import __version__
from ._layout import DEFAULT_LAYOUT, LAYOUTS_BY_NDIM, resolve
from ._loaders import LoadError, load
from ._render import NORMALIZATIONS


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def _indices(text: str) -> Any:
    if ":" in text:
        parts = [int(p) if p else None for p in text.split(":")]
        if len(parts) > 3:
            raise argparse.ArgumentTypeError(f"a slice is start:stop[:step], got {text!r}")
        return slice(*parts)
    return list(_ints(text))


def _channel(text: str) -> Any:
    return text if text in ("mean", "split") else int(text)


def _pad(text: str) -> Any:
    values = _ints(text)
    return values[0] if len(values) == 1 else values


def _add_render_options(p: argparse.ArgumentParser) -> None:
    layouts = [n for names in LAYOUTS_BY_NDIM.values() for n in names]
    g = p.add_argument_group("render options (as fasttile.render)")
    g.add_argument("--layout", choices=layouts, help="weight layout (default: rows / nhw / oihw by ndim)")
    g.add_argument("--tile-shape", type=_ints, metavar="H,W[,C]", help="tile shape for 2-D weights")
    g.add_argument("--channel-order", choices=["hwc", "chw"], default="hwc", help="flattened channel order")
    g.add_argument(
        "--channel", type=_channel, metavar="K|mean|split", help="one channel, their mean, or split"
    )
    g.add_argument("--bgr", action="store_true", help="weights are BGR (Caffe, OpenCV)")
    g.add_argument(
        "--normalize", choices=NORMALIZATIONS, help="range per tile (default), global, symmetric..."
    )
    g.add_argument("--value-range", type=_floats, metavar="LO,HI", help="fixed range (normalize=none)")
    g.add_argument(
        "--nonfinite", choices=["raise", "mark"], default="raise", help="NaN/inf: fail or paint magenta"
    )
    g.add_argument("--indices", type=_indices, metavar="I,J,..|A:B[:S]", help="which filters to show")
    g.add_argument("--order", choices=["index", "norm"], default="index", help="norm: largest first")
    g.add_argument("--top", type=int, help="show only the first N (after --order)")
    g.add_argument("--nrows", type=int)
    g.add_argument("--ncols", type=int)
    g.add_argument("--fill", choices=["rows", "columns"], default="rows")
    g.add_argument("--padding", type=int, default=1)
    g.add_argument("--pad-value", type=_pad, default=0, metavar="V|R,G,B")
    g.add_argument("--zoom", type=int, default=1)
    g.add_argument("--cmap", help="matplotlib colormap for gray tiles")
    g.add_argument("--threads", type=int)
    g.add_argument("--backend", choices=["auto", "native", "numpy"], default="auto")
    g.add_argument("--compress-level", type=int, default=1, help="PNG zlib level 0..9 (default 1, fast)")


_RENDER_KEYS = (
    "layout",
    "tile_shape",
    "channel_order",
    "channel",
    "bgr",
    "normalize",
    "value_range",
    "nonfinite",
    "indices",
    "order",
    "top",
    "nrows",
    "ncols",
    "fill",
    "padding",
    "pad_value",
    "zoom",
    "cmap",
    "threads",
    "backend",
)


def _render_options(args: argparse.Namespace) -> dict:
    return {k: getattr(args, k) for k in _RENDER_KEYS if getattr(args, k) is not None}


def _view_of(tensor: Any, layouts: dict) -> tuple[str, Any]:
    """The layout fasttile uses for a tensor of this file, and its tile view."""
    from ._arrays import as_weights

    arr, dtype = as_weights(tensor)
    layout = layouts.get(arr.ndim) or DEFAULT_LAYOUT.get(arr.ndim, "")
    return layout, resolve(arr, dtype, layout=layout or None)


def _looks_like_first_layer(tensor: Any, layouts: dict) -> bool:
    """4-D filters whose channels render as RGB or gray tiles (not split)."""
    if len(getattr(tensor, "shape", ())) != 4:
        return False
    try:
        return not _view_of(tensor, layouts)[1].split_channels
    except (ValueError, TypeError):
        return False


def _pick(tensors: dict, key: Optional[str], layouts: dict, path: str) -> tuple[str, Any]:
    if key is not None:
        if key not in tensors:
            raise LoadError(f"{path} has no tensor {key!r}; try: fasttile ls {path}")
        return key, tensors[key]
    candidates = [k for k, v in tensors.items() if len(getattr(v, "shape", ())) in (2, 3, 4)]
    if not candidates:
        raise LoadError(f"{path} holds no 2-D, 3-D or 4-D tensor to render")
    first_layer = [k for k in candidates if _looks_like_first_layer(tensors[k], layouts)]
    name = (first_layer or candidates)[0]
    if len(tensors) > 1:
        print(
            f"fasttile: rendering {name!r} (choose another with --key; list them with fasttile ls)",
            file=sys.stderr,
        )
    return name, tensors[name]


def _cmd_render(args: argparse.Namespace) -> int:
    from .save import save

    tensors, layouts = load(args.file)
    name, tensor = _pick(tensors, args.key, layouts, args.file)
    options = _render_options(args)
    if "layout" not in options and len(tensor.shape) in layouts:
        options["layout"] = layouts[len(tensor.shape)]
    start = time.perf_counter()
    out = args.output or "filters.png"
    info = save(tensor, out, compress_level=args.compress_level, **options)
    seconds = time.perf_counter() - start
    print(
        f"{out}: {info.shape[1]} x {info.shape[0]} {'RGB' if len(info.shape) == 3 else 'gray'} mosaic of "
        f"{name} {tuple(tensor.shape)} in {seconds:.2f} s"
    )
    return 0


def _cmd_ls(args: argparse.Namespace) -> int:
    tensors, layouts = load(args.file)
    print(f"{'name':40} {'shape':22} {'dtype':10} layout")
    for name, tensor in tensors.items():
        try:
            layout, view = _view_of(tensor, layouts)
            desc = f"{layout} ({view.units} x {view.shape[1]} tiles of {view.shape[3]}x{view.shape[4]})"
            if _looks_like_first_layer(tensor, layouts):
                desc += "  <- first-layer filters"
        except (ValueError, TypeError) as exc:
            desc = f"not renderable: {str(exc).split(';')[0]}"
        print(f"{name:40} {str(tuple(tensor.shape)):22} {str(getattr(tensor, 'dtype', '?')):10} {desc}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import render_demo
    from .png import write_png

    start = time.perf_counter()
    image = render_demo(zoom=args.zoom)
    write_png(args.output, image)
    print(
        f"{args.output}: 64 ICA filters (8x8 RGB) learned from matplotlib's sample photo "
        f"in {time.perf_counter() - start:.2f} s"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fasttile", description="Render neural-network weights as a mosaic."
    )
    parser.add_argument("--version", action="version", version=f"fasttile {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="render a tensor of a weight file to PNG")
    r.add_argument("file", help=".npy, .npz, .safetensors, .pt/.pth, .h5/.keras")
    r.add_argument("-o", "--output", help="PNG to write (default filters.png)")
    r.add_argument("--key", help="which tensor (default: the first that looks like first-layer filters)")
    _add_render_options(r)
    r.set_defaults(run=_cmd_render)
    ls = sub.add_parser("ls", help="list the tensors in a weight file")
    ls.add_argument("file")
    ls.set_defaults(run=_cmd_ls)
    d = sub.add_parser("demo", help="learn filters from matplotlib's sample photo and render them")
    d.add_argument("-o", "--output", default="filters.png")
    d.add_argument("--zoom", type=int, default=4)
    d.set_defaults(run=_cmd_demo)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (LoadError, ValueError, TypeError, IndexError, OSError) as exc:
        print(
            f"fasttile: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
