"""fasttile: render neural-network weights as a mosaic of tiles, fast.

img = fasttile.render(W)            # uint8 (H, W) or (H, W, 3)
fasttile.save(W, "filters.png")     # the same, written as PNG
fasttile.show(W)                    # the same, drawn with matplotlib
"""

from __future__ import annotations

import os as _os
import warnings as _warnings

# animate, diff and log shadow their modules' names on the package: import helpers from
# the modules themselves (fasttile.animate the function, fasttile._animate_formats ...).
from ._layout import LAYOUTS_BY_NDIM
from ._layout_hints import LayoutWarning
from ._loaders import LoadError, keys, load
from ._render import NORMALIZATIONS, MosaicTooLarge, default_threads, render
from .activations import Activations, Cards, TopExamples, capture, cards, feature_maps, top_examples
from .animate import animate
from .diff import diff
from .display import show
from .labels import draw_labels
from .log import log
from .mosaic import Mosaic, mosaic, strips
from .pyramid import pyramid
from .save import SaveInfo, save
from .sprite import sprite
from .widget import browse, preview_png

# Chunked banks and stores (dask, zarr): imported lazily inside, so no extra is needed here.
from .zarr_io import to_zarr

__version__ = "0.1.0"
LAYOUTS = tuple(name for names in LAYOUTS_BY_NDIM.values() for name in names)

__all__ = [
    "Activations",
    "Cards",
    "TopExamples",
    "capture",
    "cards",
    "feature_maps",
    "top_examples",
    "LAYOUTS",
    "NORMALIZATIONS",
    "LayoutWarning",
    "LoadError",
    "Mosaic",
    "MosaicTooLarge",
    "SaveInfo",
    "animate",
    "browse",
    "diff",
    "draw_labels",
    "keys",
    "load",
    "log",
    "preview_png",
    "pyramid",
    "sprite",
    "mosaic",
    "strips",
    "render",
    "save",
    "show",
    "simd_info",
    "to_zarr",
    "__version__",
]


def simd_info() -> dict:
    """Which kernel runs: the backend, the SIMD path in use, the paths this CPU
    supports (widest first) and the default thread count. Set FASTTILE_SIMD to a
    supported path name before import to force a narrower one."""
    from . import _native_backend

    info = {"backend": "numpy", "path": None, "supported": [], "threads": default_threads()}
    core = _native_backend._core
    if core is not None:
        info.update(backend="native", path=core.simd_path(), supported=list(core.simd_paths()))
    return info


def _check_forced_path() -> None:
    forced = _os.environ.get("FASTTILE_SIMD")
    info = simd_info()
    if forced and info["backend"] == "native" and forced != "auto" and forced not in info["supported"]:
        _warnings.warn(
            f"FASTTILE_SIMD={forced!r} is not a path this CPU supports ({', '.join(info['supported'])}); "
            f"using {info['path']}",
            RuntimeWarning,
            stacklevel=2,
        )


_check_forced_path()


def __dir__() -> list[str]:
    """The public API only (submodules and helpers stay importable, just not listed)."""
    return sorted(__all__)
