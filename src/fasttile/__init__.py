"""fasttile: render neural-network weights as a mosaic of tiles, fast.

img = fasttile.render(W)            # uint8 (H, W) or (H, W, 3)
fasttile.save(W, "filters.png")     # the same, written as PNG
fasttile.show(W)                    # the same, drawn with matplotlib
"""

from __future__ import annotations

import os as _os
import warnings as _warnings

from ._show_versions import show_versions
from ._version import __version__
from .activations import Activations, Cards, TopExamples, capture, cards, feature_maps, top_examples
from .api import mosaic, render, strips

# Chunked banks and stores (dask, zarr): imported lazily inside, so no extra is needed here.
from .chunked.zarr_write import ZarrInfo, to_zarr
from .io.captions import draw_captions
from .io.save import SaveInfo, save
from .io.show import show
from .kernel.backends import default_threads, simd_info
from .loaders.registry import keys, load
from .loaders.source import LoadError, TensorInfo
from .tiling.checks import NORMALIZATIONS, MosaicTooLarge
from .tiling.hints import LayoutWarning

# animate, diff and log shadow their modules' names on the package: import helpers from
# the modules themselves (fasttile.animate the function, fasttile._animate_formats ...).
from .tiling.layout import LAYOUTS_BY_NDIM
from .tiling.mosaic import Mosaic
from .training.animate import AnimationInfo, animate
from .training.diff import diff
from .training.hooks import TorchHook, keras_callback
from .training.log import log
from .web.pyramid import PyramidInfo, pyramid
from .web.sprite import SpriteInfo, sprite
from .web.widget import browse, preview_png

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
    "AnimationInfo",
    "PyramidInfo",
    "SaveInfo",
    "SpriteInfo",
    "TorchHook",
    "TensorInfo",
    "ZarrInfo",
    "animate",
    "browse",
    "diff",
    "draw_captions",
    "keras_callback",
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
    "show_versions",
    "default_threads",
    "simd_info",
    "to_zarr",
    "__version__",
]


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
