"""The public entry points that take any bank: an in-memory array (NumPy, torch, a
memory map ...) is drawn by tiling/, a dask or zarr array (or any bank given a
scheduler=) by chunked/ as a dask graph. Everything above this module calls these."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .chunked.dask_mosaic import chunked_mosaic
from .chunked.plan import is_chunked as chunked_bank
from .chunked.render import render_chunked
from .tiling.mosaic import Mosaic
from .tiling.options import shows_render_options, takes_render_options
from .tiling.prepare import prepare
from .tiling.render import render_array

if TYPE_CHECKING:  # the typed keywords, for type checkers only
    from typing_extensions import Unpack

    from .tiling.typed_options import BandOptions, DrawOptions, RenderOptions


def is_chunked(weights: Any, options: dict) -> bool:
    """A dask or zarr bank (read chunk by chunk), or any bank sent to a dask scheduler."""
    return chunked_bank(weights) or "scheduler" in options


@shows_render_options
def render(weights: Any, **options: Unpack[RenderOptions]) -> np.ndarray:
    """Render a bank of weights as one uint8 mosaic: (H, W) gray or (H, W, 3) RGB.

    Every tile (a filter, a neuron's input weights, ...) is rescaled to 0..255 on its
    own and the tiles are laid out in a grid with padding between them. The caller's
    array is never written or copied whole. Every option is keyword-only and is also a
    ``fasttile render`` flag (``tile_shape`` is ``--tile-shape``).

    Parameters
    ----------
    weights : array-like
        The bank: a NumPy array or memmap, a torch tensor, a jax array, anything with
        ``__dlpack__`` or ``__array__``; float16/32/64, bfloat16, integers or bool. A
        dask or zarr array (or any bank with ``scheduler=``) renders as a dask graph.

    Returns
    -------
    numpy.ndarray
        The mosaic: RGB for RGB tiles, and for gray tiles with a cmap, an RGB pad_value
        or nonfinite="mark"; otherwise gray. Bad arguments raise ValueError, TypeError
        or IndexError naming the argument before anything large is allocated; a
        misspelt option raises TypeError suggesting the closest one. docs/design.md
        gives the exact pixel rule.

    Examples
    --------
    >>> import numpy as np, fasttile
    >>> fasttile.render(np.arange(8.0).reshape(2, 4)).shape   # two 2x2 tiles side by side
    (4, 7)
    """
    if is_chunked(weights, options):
        return render_chunked(weights, **options)
    return render_array(weights, **options)


@takes_render_options(exclude=("out",))
def mosaic(weights: Any, **options: Unpack[DrawOptions]) -> Mosaic:
    """Describe the mosaic of `weights` without drawing it: same options as `render`
    (except ``out``). Orders and global ranges are computed here, once."""
    if "out" in options:
        raise TypeError("mosaic() draws on demand: pass out= to render_rows / render_region instead")
    if chunked_bank(weights):  # read per band
        return chunked_mosaic(weights, **options)
    return Mosaic(prepare(weights, **options))


def as_mosaic(weights: Any, options: dict) -> Mosaic:
    """`weights` drawn with `options` as a Mosaic, or `weights` itself if it is one
    (then options would be ignored: refused by name instead)."""
    if isinstance(weights, Mosaic):
        if options:
            raise TypeError(
                f"a Mosaic already has its render options; got {', '.join(sorted(options))} "
                "(render options go to fasttile.mosaic(), not to an existing Mosaic)"
            )
        return weights
    return mosaic(weights, **options)


@takes_render_options(exclude=("out",))
def strips(
    weights: Any, rows: Optional[int] = None, **options: Unpack[BandOptions]
) -> Iterator[tuple[int, np.ndarray]]:
    """(y0, pixels) bands of ``render(weights, **options)``, top to bottom, `rows` grid rows each."""
    return mosaic(weights, **options).strips(rows)
