"""Bytes and files for the training tools: one PNG encoder entry point and atomic writes.

Both defer to the shared helpers on main (fasttile.png.encode_png, fasttile._atomic.atomic_path)
when they exist and fall back to small local versions until then.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from typing import Union

import numpy as np

PathLike = Union[str, "os.PathLike[str]"]


def png_bytes(image: np.ndarray) -> bytes:
    """The exact PNG of a uint8 (H, W) or (H, W, 3) mosaic, encoded fast."""
    try:
        from .png import encode_png  # the lead's parallel deflate writer, once on main
    except ImportError:
        encode_png = None
    if encode_png is not None:
        return encode_png(image, level="fast")
    from PIL import Image

    buffer = io.BytesIO()
    mode = "L" if image.ndim == 2 else "RGB"
    Image.fromarray(np.ascontiguousarray(image), mode=mode).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


@contextlib.contextmanager
def atomic_path(path: PathLike) -> Iterator[str]:
    """A temporary name in `path`'s folder, renamed onto `path` on success and removed on
    any exception, so a reader never sees a half-written file."""
    try:
        from ._atomic import atomic_path as shared  # the lead's helper, once on main
    except ImportError:
        shared = None
    if shared is not None:
        with shared(path) as tmp:
            yield tmp
        return
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise OSError(f"cannot write {target}: the folder {folder} does not exist")
    suffix = os.path.splitext(target)[1]  # writers pick the format by extension
    try:
        fd, tmp = tempfile.mkstemp(prefix=".fasttile-", suffix=suffix, dir=folder)
    except OSError as exc:
        raise OSError(f"cannot write {target}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
