"""fasttile.save: render and write a PNG through Pillow."""

from __future__ import annotations

import os
from typing import Any, Union

import numpy as np

from ._render import render


def write_png(image: np.ndarray, path: Union[str, os.PathLike], compress_level: int = 1) -> None:
    """Write a uint8 mosaic as PNG: gray stays single-channel ("L"), RGB is "RGB"."""
    from PIL import Image

    if not isinstance(compress_level, int) or not 0 <= compress_level <= 9:
        raise ValueError(f"compress_level must be an integer 0..9, got {compress_level!r}")
    mode = "L" if image.ndim == 2 else "RGB"
    Image.fromarray(np.ascontiguousarray(image), mode=mode).save(
        path, format="PNG", compress_level=compress_level
    )


def save(
    weights: Any, path: Union[str, os.PathLike], *, compress_level: int = 1, **options: Any
) -> np.ndarray:
    """Render `weights` (same options as render) and write the mosaic to `path` as PNG.

    compress_level is zlib's 0..9; the default 1 is fast and still compresses
    mosaics well. Returns the rendered uint8 array.
    """
    image = render(weights, **options)
    write_png(image, path, compress_level)
    return image
