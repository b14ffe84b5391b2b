"""cards(top, images): each unit as a card of its top example inputs, cards as a mosaic.

A card is render() of the unit's k examples (optionally cropped to the unit's receptive
field around the map's max); cards are then placed with render() again, at exact pixel
values (normalize="none", value_range=(0, 255) maps each uint8 level to itself), so the
stack of cards is an array like any bank: fasttile.save(c.stack, path, **c.layout_options).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Union

import numpy as np

from ..api import render
from .top_examples import TopExamples

ORDERS = ("index", "frequency", "rare")


@dataclass(frozen=True)
class Cards:
    image: np.ndarray  # the mosaic of cards, uint8 (H, W) or (H, W, 3)
    stack: np.ndarray  # (cards, card_h, card_w[, 3]) uint8: one card per shown unit
    units: np.ndarray  # the unit each card shows, in display order
    facts: list  # per card: frequency, top values, dataset indices (a viewer's hover labels)
    mosaic_options: dict  # how the cards were placed (ncols, padding, pad_value, ...)

    @property
    def layout_options(self) -> dict:
        """render/save/pyramid options that draw `stack` exactly as `image`:
        ``fasttile.save(c.stack, "cards.png", **c.layout_options)``."""
        return {**exact_options(self.stack), **self.mosaic_options}

    def labels(self) -> list[str]:
        """One hover label per card, for
        ``fasttile.pyramid(c.stack, folder, labels=c.labels(), **c.layout_options)``: the
        unit, how often it fires, its best value and inputs."""
        return [
            f"unit {f['unit']}: fires on {100 * f['frequency']:.1f}% of inputs, top {f['top_values'][0]:.4g} "
            f"(inputs {', '.join(map(str, f['top_indices']))})"
            for f in self.facts
        ]


def exact_options(stack: np.ndarray) -> dict:
    """Options under which render() draws uint8 pictures at their own levels."""
    return {"layout": "nhwc" if stack.ndim == 4 else "nhw", "normalize": "none", "value_range": (0, 255)}


def images_nhwc(images: Any, layout: Optional[str]) -> np.ndarray:
    """The inputs as (N, H, W) or (N, H, W, C); nchw is guessed when axis 1 holds 1 or 3
    channels and the last axis does not."""
    array = images if isinstance(images, np.ndarray) else np.asarray(images)
    if array.ndim == 3:
        return array
    if array.ndim != 4:
        raise ValueError(f"images must be (N, H, W), (N, H, W, C) or (N, C, H, W), got shape {array.shape}")
    if layout is None:
        layout = "nchw" if array.shape[1] in (1, 3) and array.shape[3] not in (1, 3) else "nhwc"
    if layout not in ("nchw", "nhwc"):
        raise ValueError(f"layout must be 'nchw' or 'nhwc', got {layout!r}")
    return np.moveaxis(array, 1, 3) if layout == "nchw" else array


def shown_units(
    top: TopExamples, units: Any, order: str, dead: Optional[str], count: Optional[int]
) -> np.ndarray:
    """Which units get a card, in display order: by frequency ("frequency": densest first,
    "rare": rarest first, stable), dead= ("hide"/"only": units that never fire)."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(map(repr, ORDERS))}, got {order!r}")
    chosen = np.arange(top.units) if units is None else np.asarray(units, dtype=np.int64).reshape(-1)
    if chosen.size and (chosen.min() < 0 or chosen.max() >= top.units):
        raise IndexError(f"units must lie in 0..{top.units - 1}")
    if dead is not None:
        if dead not in ("hide", "only"):
            raise ValueError(f"dead must be None, 'hide' or 'only', got {dead!r}")
        never = top.frequency[chosen] == 0
        chosen = chosen[~never if dead == "hide" else never]
    if order != "index":
        key = top.frequency[chosen]
        chosen = chosen[np.argsort(-key if order == "frequency" else key, kind="stable")]
    chosen = chosen[:count] if count is not None else chosen
    if chosen.size == 0:
        raise ValueError("no unit left to draw a card for")
    return chosen


def crop_box(
    position: tuple[int, int], field: tuple[int, int], stride: tuple[int, int], size: tuple[int, int]
):
    """The input window a map position sees, centred on the position's stride cell,
    moved inside the image (a field larger than the image keeps the whole axis)."""
    box = []
    for p, f, s, n in zip(position, field, stride, size):
        if f >= n:
            box.append(slice(0, n))
            continue
        start = min(max(p * s + s // 2 - f // 2, 0), n - f)
        box.append(slice(start, start + f))
    return tuple(box)


def _pair(value: Union[int, tuple], name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or any(int(v) < 1 for v in pair):
        raise ValueError(f"{name} must be a positive integer or (h, w), got {value!r}")
    return int(pair[0]), int(pair[1])


def _examples(top: TopExamples, unit: int, pictures: np.ndarray, field: Any, stride: Any) -> np.ndarray:
    chosen = pictures[top.indices[unit]]
    if field is None:
        return chosen
    if top.argmax_position is None:
        raise ValueError("field= crops around the max of a map; this layer's units have no maps")
    size = pictures.shape[1:3]
    crops = [
        chosen[i][crop_box(tuple(top.argmax_position[unit, i]), field, stride, size)] for i in range(top.k)
    ]
    return np.stack(crops)


def cards(
    top: TopExamples,
    images: Any,
    *,
    units: Any = None,
    order: str = "index",
    dead: Optional[str] = None,
    count: Optional[int] = None,
    field: Union[None, int, tuple] = None,
    stride: Union[int, tuple] = 1,
    layout: Optional[str] = None,
    card_padding: int = 1,
    zoom: int = 1,
    **mosaic_options: Any,
) -> Cards:
    """Draw each unit of `top` as a card of its k example inputs (`images`: the dataset
    top_examples streamed, indexed the same way), cards laid out as one mosaic.

    units / order ("index", "frequency": densest first, "rare") / dead ("hide", "only":
    units that never fire) / count pick the cards. field (an int or (h, w)) with stride
    crops each example to the unit's receptive field around its max position. Examples
    are normalized each on its own range; `mosaic_options` (ncols, nrows, padding,
    pad_value, fill) place the cards.
    """
    pictures = images_nhwc(images, layout)
    shown = shown_units(top, units, order, dead, count)
    field_hw = _pair(field, "field") if field is not None else None
    stride_hw = _pair(stride, "stride")
    per_row = math.isqrt(top.k - 1) + 1
    example_layout = "nhwc" if pictures.ndim == 4 else "nhw"
    drawn = [
        render(
            _examples(top, int(u), pictures, field_hw, stride_hw),
            layout=example_layout,
            ncols=per_row,
            padding=card_padding,
            zoom=zoom,
        )
        for u in shown
    ]
    stack = np.stack(drawn)
    image = render(stack, **exact_options(stack), **mosaic_options)
    facts = [top.facts(int(u)) for u in shown]
    return Cards(image=image, stack=stack, units=shown, facts=facts, mosaic_options=dict(mosaic_options))
