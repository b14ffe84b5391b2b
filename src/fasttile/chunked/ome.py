"""OME-Zarr (NGFF 0.5) multiscale mosaics: level shapes, the 2x2 reduction and the
metadata napari and other NGFF readers look for. Pure NumPy: runs on dask workers.

NGFF orders axes channel first, so an RGB mosaic is stored (c, y, x): level "0" holds
render(W).transpose(2, 0, 1); a gray mosaic is stored (y, x) as it is. Each coarser
level halves both sides, rounding up; a pixel is the 2x2 area mean rounded half up,
(a + b + c + d + 2) // 4, and an odd last row or column is averaged with itself: the
rule of fasttile.pyramid, whose reduce2 draws each coarser band.
"""

from __future__ import annotations

import numpy as np

NGFF_VERSION = "0.5"
SMALLEST_SIDE = 1024  # pyramid=True halves until both sides fit this
REDUCTION = "2x2 area mean rounded half up, (a+b+c+d+2)//4; an odd last row or column counts twice"


def auto_levels(height: int, width: int) -> int:
    """Coarser levels below the full mosaic until both sides are at most SMALLEST_SIDE."""
    levels = 0
    while max(height, width) > SMALLEST_SIDE:
        height, width = -(-height // 2), -(-width // 2)
        levels += 1
    return levels


def level_shapes(height: int, width: int, levels: int) -> list[tuple[int, int]]:
    """(height, width) of level 0 (the mosaic) and each of `levels` coarser levels."""
    shapes = [(height, width)]
    for _ in range(levels):
        h, w = shapes[-1]
        shapes.append((-(-h // 2), -(-w // 2)))
    return shapes


def stored(pixels: np.ndarray) -> np.ndarray:
    """Mosaic pixels in NGFF axis order: RGB (y, x, c) becomes (c, y, x)."""
    return pixels.transpose(2, 0, 1) if pixels.ndim == 3 else pixels


def stored_shape(height: int, width: int, channels: int) -> tuple[int, ...]:
    return (3, height, width) if channels == 3 else (height, width)


def _axes(channels: int) -> list[dict]:
    space = [{"name": "y", "type": "space", "unit": "pixel"}, {"name": "x", "type": "space", "unit": "pixel"}]
    return ([{"name": "c", "type": "channel"}] if channels == 3 else []) + space


def _omero_rgb() -> dict:
    """Display hints so viewers blend the three planes back into the RGB picture."""
    window = {"min": 0, "max": 255, "start": 0, "end": 255}
    return {
        "channels": [
            {
                "label": name,
                "color": color,
                "window": window,
                "active": True,
                "coefficient": 1.0,
                "family": "linear",
            }
            for name, color in (("red", "FF0000"), ("green", "00FF00"), ("blue", "0000FF"))
        ],
        "rdefs": {"model": "color"},
    }


def ome_attributes(levels: int, channels: int, name: str) -> dict:
    """The group's "ome" attribute: one multiscale image with datasets "0".."levels"."""
    datasets = []
    for j in range(levels + 1):
        scale = ([1.0] if channels == 3 else []) + [float(2**j), float(2**j)]
        datasets.append({"path": str(j), "coordinateTransformations": [{"type": "scale", "scale": scale}]})
    image = {
        "name": name,
        "axes": _axes(channels),
        "datasets": datasets,
        "type": "mean",
        "metadata": {"description": REDUCTION},
    }
    ome: dict = {"version": NGFF_VERSION, "multiscales": [image]}
    if channels == 3:
        ome["omero"] = _omero_rgb()
    return ome
