"""Pad values, the non-finite marker and colormaps as 256-entry lookup tables."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._extras import require

MARKER = (255, 0, 255)  # magenta: no colormap in common use produces it


def pad_triple(pad_value: Any) -> tuple[tuple[int, int, int], bool]:
    """(r, g, b) and whether the value is a colour (needs RGB output)."""

    def level(v: Any) -> int:
        if not hasattr(v, "__index__") or isinstance(v, bool) or not 0 <= int(v.__index__()) <= 255:
            raise ValueError(
                f"pad_value must be a gray level 0..255 or an (r, g, b) triple of them, got {pad_value!r}"
            )
        return int(v.__index__())

    if isinstance(pad_value, (tuple, list, np.ndarray)):
        values = list(np.asarray(pad_value).ravel()) if isinstance(pad_value, np.ndarray) else list(pad_value)
        if len(values) != 3:
            raise ValueError(
                f"pad_value must be a gray level 0..255 or an (r, g, b) triple, got {pad_value!r}"
            )
        r, g, b = (level(v) for v in values)
        return (r, g, b), not r == g == b
    v = level(pad_value)
    return (v, v, v), False


def gray_lut() -> np.ndarray:
    """Gray levels as RGB: used when gray tiles must land in an RGB mosaic."""
    return np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)


def colormap_lut(cmap: Any) -> np.ndarray:
    """A matplotlib colormap (name or object) or a (256, 3) uint8 array as a lookup table."""
    if isinstance(cmap, np.ndarray):
        if cmap.shape != (256, 3) or cmap.dtype != np.uint8:
            raise ValueError(f"a cmap array must be uint8 of shape (256, 3), got {cmap.dtype} {cmap.shape}")
        return np.ascontiguousarray(cmap)
    matplotlib = require("matplotlib", "show", "a colormap by name")
    try:
        colormap = matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap
    except KeyError:
        raise ValueError(f"unknown colormap {cmap!r}") from None
    if not callable(colormap):
        raise ValueError(
            f"cmap must be a colormap name, a matplotlib Colormap or a (256, 3) array, got {cmap!r}"
        )
    rgba = np.asarray(colormap(np.linspace(0.0, 1.0, 256), bytes=True), dtype=np.uint8)
    return np.ascontiguousarray(rgba[:, :3])
