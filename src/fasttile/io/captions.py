"""Captions burned into a mosaic: each tile's index, norm or a given string, in white on a
black box over the bottom of the tile, drawn with Pillow's default font at a size fitted to
the cell. Works on the whole image or strip by strip (same pixels either way).

    plan = plan_captions(geometry, "index")   # geometry: fasttile.mosaic(W) or render_detailed(W)
    draw_captions(image, geometry, "index")   # in place; returns image
    plan.draw(strip, y0)                    # or draw_captions_strip(strip, y0, geometry, "index")
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np

from .._extras import require
from ..kernel.backends import pick

MIN_TEXT = 6  # font size (px) below which digits stop being legible
MAX_TEXT = 24
Labels = Union[str, Sequence[str], "LabelPlan"]


@functools.lru_cache(maxsize=32)
def default_font(size: int) -> Any:
    """Pillow's bundled default font at `size` px (its fixed bitmap font on Pillow < 10.1)."""
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # pragma: no cover - old Pillow
        return ImageFont.load_default()


def _tiles(geometry: Any) -> tuple[list[tuple[int, int]], int, int, list[int]]:
    """Top-left pixel of every display tile, the tile size and each tile's unit, from a
    fasttile.mosaic object or a render_detailed result."""
    inner = geometry.view.shape[1]
    if hasattr(geometry, "cell_of_tile"):  # fasttile.mosaic
        pad, ch, cw = geometry.padding, geometry.cell_height, geometry.cell_width
        origins = [(pad + r * ch, pad + c * cw) for r, c in map(geometry.cell_of_tile, range(geometry.tiles))]
        units = [int(geometry.units[t // inner]) for t in range(geometry.tiles)]
        return origins, geometry.tile_height, geometry.tile_width, units
    tiles = (geometry.view.units if geometry.selection is None else len(geometry.selection)) * inner
    zoom = geometry.zoom
    h, w = geometry.view.shape[3] * zoom, geometry.view.shape[4] * zoom
    return [geometry.tile_origin(t) for t in range(tiles)], h, w, [geometry.unit_of(t) for t in range(tiles)]


def _texts(geometry: Any, captions: Any, units: list[int]) -> list[str]:
    if isinstance(captions, str):
        if captions == "index":
            return [str(u) for u in units]
        if captions == "norm":
            view = geometry.view
            shown = np.asarray(sorted(set(units)), dtype=np.int64)
            norms = dict(zip(shown.tolist(), np.sqrt(pick("auto").unit_sq_norms(view, shown, 1))))
            return [f"{norms[u]:.2g}" for u in units]
        raise ValueError(f"captions must be 'index', 'norm' or a list of strings, got {captions!r}")
    texts = [str(t) for t in captions]
    if len(texts) != len(units):
        raise ValueError(f"captions has {len(texts)} entries but the mosaic shows {len(units)} tiles")
    return texts


def _fit(texts: list[str], tile_h: int, tile_w: int) -> tuple[Any, list[str]]:
    """The largest font whose text fits the tile (a quarter of its height at most); captions
    still too wide at the smallest size are shortened. (None, []) when nothing fits."""
    from PIL import Image, ImageDraw

    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    widest = max(texts, key=len, default="")
    for size in range(min(MAX_TEXT, tile_h // 4), MIN_TEXT - 1, -1):
        font = default_font(size)
        if measure.textlength(widest, font=font) <= tile_w - 2:
            return font, texts
    font = default_font(MIN_TEXT)
    if tile_h // 4 < MIN_TEXT or measure.textlength("0", font=font) > tile_w - 2:
        return None, []
    short = []
    for text in texts:
        while len(text) > 1 and measure.textlength(text, font=font) > tile_w - 2:
            text = text[:-1]
        short.append(text)
    return font, short


@dataclass
class LabelPlan:
    """Where each caption goes and how it looks; draw() burns it into any row range."""

    boxes: list[tuple[int, int]]  # top-left of each caption box
    texts: list[str]
    font: Any
    box_height: int
    box_width: int
    _patches: dict = field(default_factory=dict)
    _tops: Any = None  # box tops, sorted (built on first draw)
    _order: Any = None

    def _patch(self, text: str) -> np.ndarray:
        from PIL import Image, ImageDraw

        if text not in self._patches:
            image = Image.new("L", (self.box_width, self.box_height), 0)
            draw = ImageDraw.Draw(image)
            draw.fontmode = "1"  # crisp pixels: small anti-aliased text fades to gray
            draw.text((1, self.box_height - 1), text, fill=255, font=self.font, anchor="ld")
            self._patches[text] = np.asarray(image)
        return self._patches[text]

    def draw(self, strip: np.ndarray, y0: int = 0, x0: int = 0) -> np.ndarray:
        """Burn the captions overlapping the pixels [y0, y0 + height) x [x0, x0 + width)
        of the mosaic into `strip`, which holds exactly those pixels, in place."""
        y1, x1 = y0 + strip.shape[0], x0 + strip.shape[1]
        for k in self._overlapping_rows(y0, y1):
            (by, bx), text = self.boxes[k], self.texts[k]
            top, bottom = max(by, y0), min(by + self.box_height, y1)
            left, right = max(bx, x0), min(bx + self.box_width, x1)
            if left >= right:
                continue
            patch = self._patch(text)[top - by : bottom - by, left - bx : right - bx]
            target = strip[top - y0 : bottom - y0, left - x0 : right - x0]
            target[...] = patch[..., None] if strip.ndim == 3 else patch
        return strip

    def _overlapping_rows(self, y0: int, y1: int) -> np.ndarray:
        """Captions whose boxes reach into rows [y0, y1): a binary search over the
        boxes sorted by their top, so a strip costs its own captions, not all of them."""
        if self._tops is None:
            tops = np.array([by for by, _ in self.boxes], dtype=np.int64)
            self._order = np.argsort(tops, kind="stable")
            self._tops = tops[self._order]
        lo = np.searchsorted(self._tops, y0 - self.box_height, side="right")
        hi = np.searchsorted(self._tops, y1, side="left")
        return self._order[lo:hi]


def plan_captions(geometry: Any, captions: Labels) -> LabelPlan:
    """Fit captions ("index", "norm" or one string per shown tile) to the geometry's cells.
    Warns and plans nothing when the cells are too small for legible text."""
    if isinstance(captions, LabelPlan):
        return captions
    require("PIL.ImageDraw", "train", "burning captions into a mosaic")
    origins, tile_h, tile_w, units = _tiles(geometry)
    texts = _texts(geometry, captions, units)
    font, texts = _fit(texts, tile_h, tile_w)
    if font is None:
        warnings.warn(
            f"captions skipped: tiles of {tile_h}x{tile_w} px are too small for legible text "
            f"(need about {4 * MIN_TEXT} px high; raise zoom)",
            UserWarning,
            stacklevel=3,
        )
        return LabelPlan([], [], None, 0, 0)
    box_h = min(tile_h, font.size + 3 if hasattr(font, "size") else 12)
    boxes = [(y + tile_h - box_h, x) for y, x in origins]
    return LabelPlan(boxes, texts, font, box_h, tile_w)


def draw_captions(image: np.ndarray, geometry: Any, captions: Labels) -> np.ndarray:
    """Burn captions into the rendered mosaic `image` (in place) and return it."""
    return plan_captions(geometry, captions).draw(image, 0)


def draw_captions_strip(strip: np.ndarray, y0: int, geometry: Any, captions: Labels) -> np.ndarray:
    """draw_captions for rows [y0, y0 + len(strip)) of the mosaic; pass a LabelPlan (from
    plan_captions) as `captions` to fit the text once for all strips."""
    return plan_captions(geometry, captions).draw(strip, y0)
