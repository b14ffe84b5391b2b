"""Notebooks: a downscaled PNG preview of a Mosaic (never more than a few MB), and an
interactive widget (anywidget) that shows the web viewer over a bank without writing a
pyramid: the browser asks for the tiles it shows, Python renders just those regions
with Mosaic.render_region and halves them by the pyramid's rule, so they equal the
pyramid's tiles. Hover facts come from the same sidecar chunks the site uses."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .._extras import require
from ..api import as_mosaic
from ..codecs.levels import TILE, level_sizes
from ..codecs.preview import PREVIEW_BYTES, PREVIEW_SIDE, preview_of
from ..kernel.backends import thread_count
from ..kernel.reduce import reduce2
from ..tiling.options import takes_render_options
from ..tiling.selection import dead_mode
from ..tiling.stats import dead_mask, tile_stats
from . import sidecar
from .pyramid import _encoder, manifest_of
from .sidecar import FACTS_CHUNK, UNITS_CHUNK, check_labels

if TYPE_CHECKING:  # the typed keywords, for type checkers only
    from typing_extensions import Unpack

    from ..tiling.typed_options import DrawOptions

# How far the widget zooms out: each step doubles the side of the region one tile reads
# (3 steps: 2048 x 2048 mosaic pixels a tile, a few milliseconds of kernel time).
WIDGET_ZOOM_OUT = 3


@takes_render_options(exclude=("out",))
def preview_png(
    weights: Any,
    *,
    max_bytes: int = PREVIEW_BYTES,
    max_side: int = PREVIEW_SIDE,
    **options: Unpack[DrawOptions],
) -> bytes:
    """A PNG of the mosaic (a Mosaic, or weights with render options) halved as often as
    needed for its larger side to fit max_side and its file to fit max_bytes. Memory
    stays a few strips: the mosaic streams through the pyramid's 2x2 averaging."""
    return preview_of(as_mosaic(weights, options), max_bytes, max_side)


class RegionServer:
    """What the widget's JavaScript asks of Python, without the notebook machinery:
    handle(message) -> (reply, buffers). Tiles are rendered on request; the per-tile
    facts are computed once, on the first hover or dimming (one pass over the bank)."""

    def __init__(
        self,
        m: Any,
        *,
        title: Optional[str] = None,
        labels: Optional[Sequence[str]] = None,
        dead_norm: Optional[float] = None,
        threads: int = 1,
    ):
        check_labels(labels, m.view.units)
        self.m, self.title, self.labels, self.dead_norm, self.threads = m, title, labels, dead_norm, threads
        self.max_zoom = len(level_sizes(*m.shape[:2])) - 1
        self.min_zoom = max(0, self.max_zoom - WIDGET_ZOOM_OUT)
        self._facts: Optional[tuple[np.ndarray, np.ndarray]] = None
        self._positions: Optional[np.ndarray] = None

    def manifest(self) -> dict:
        sidecar = {"facts_chunk": FACTS_CHUNK, "units_chunk": UNITS_CHUNK, "dead_tiles": None}
        sidecar["labels"] = self.labels is not None
        out = manifest_of(self.m, title=self.title, fmt="png", sidecar=sidecar)
        out.update(min_zoom=self.min_zoom, start="native")
        return out

    def tile(self, z: int, x: int, y: int) -> bytes:
        """Tile (x, y) of zoom z as PNG: the same pixels as the pyramid's tiles/z/x/y."""
        if not self.min_zoom <= z <= self.max_zoom:
            raise ValueError(f"zoom {z} is outside {self.min_zoom}..{self.max_zoom}")
        span = TILE << (self.max_zoom - z)  # mosaic pixels per tile side at this zoom
        height, width = self.m.shape[:2]
        y0, x0 = y * span, x * span
        if not (0 <= y0 < height and 0 <= x0 < width):
            raise ValueError(f"tile ({x}, {y}) of zoom {z} is outside the mosaic")
        region = self.m.render_region(y0, min(height, y0 + span), x0, min(width, x0 + span))
        for _ in range(self.max_zoom - z):
            region = reduce2(region)
        return _encoder("png", 1)(np.ascontiguousarray(region))

    def _tile_facts(self) -> tuple[np.ndarray, np.ndarray]:
        if self._facts is None:
            stats = tile_stats(self.m.view, np.asarray(self.m.units, dtype=np.int64), self.threads)
            self._facts = stats, dead_mask(stats, self.dead_norm)
        return self._facts

    def chunk(self, what: str, k: int) -> dict:
        """The payload of sidecar chunk `what`/`k`, as the site's script files hold it."""
        if what == "facts":
            stats, dead = self._tile_facts()
            part = slice(k * sidecar.FACTS_CHUNK, (k + 1) * sidecar.FACTS_CHUNK)
            tile_units = np.repeat(np.asarray(self.m.units, dtype=np.int64), self.m.inner)[part]
            return sidecar.facts_payload(stats[part], tile_units, dead[part], self.labels)
        if what == "units":
            if self._positions is None:
                self._positions = sidecar.unit_positions(self.m.units, self.m.inner, self.m.view.units)
            part = slice(k * sidecar.UNITS_CHUNK, (k + 1) * sidecar.UNITS_CHUNK)
            return {"tile": sidecar.b64(self._positions[part], "int32")}
        if what == "dead":
            import base64

            return {"bits": base64.b64encode(np.packbits(self._tile_facts()[1])).decode()}
        raise ValueError(f"unknown chunk kind {what!r}")

    def handle(self, content: dict) -> tuple[dict, list[bytes]]:
        """Answer one message from the front end; errors become an error reply."""
        reply: dict = {"id": content.get("id")}
        try:
            if content.get("kind") == "tile":
                return reply, [self.tile(int(content["z"]), int(content["x"]), int(content["y"]))]
            if content.get("kind") == "chunk":
                reply["payload"] = self.chunk(str(content["what"]), int(content["k"]))
                return reply, []
            raise ValueError(f"unknown request {content.get('kind')!r}")
        except Exception as exc:  # noqa: BLE001 - any failure must reach the page, or it waits forever
            reply["error"] = str(exc) or type(exc).__name__
            return reply, []


def _viewer_file(name: str) -> str:
    with open(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "viewer", name), encoding="utf-8"
    ) as f:
        return f.read()


def widget_esm() -> str:
    """One ES module: Leaflet (its UMD wrapper told there is no module system, so it sets
    globalThis.L), the shared viewer and the widget's source."""
    leaflet = _viewer_file("leaflet/leaflet.js")
    wrapped = f"(function (define, exports, module) {{\n{leaflet}\n}}).call(globalThis);\n"
    return wrapped + _viewer_file("viewer.js") + _viewer_file("widget.js")


def widget_css() -> str:
    return _viewer_file("leaflet/leaflet.css") + _viewer_file("viewer.css")


_WIDGET_CLASS: Any = None


def _widget_class() -> Any:
    global _WIDGET_CLASS
    if _WIDGET_CLASS is not None:
        return _WIDGET_CLASS

    anywidget = require("anywidget", "notebook", "fasttile.browse")
    traitlets = require("traitlets", "notebook", "fasttile.browse")

    class MosaicWidget(anywidget.AnyWidget):
        """The fasttile viewer in a notebook, drawing only what it shows."""

        _esm = widget_esm()
        _css = widget_css()
        manifest = traitlets.Dict().tag(sync=True)
        height = traitlets.Int(520).tag(sync=True)

        def __init__(self, server: RegionServer, **kwargs: Any):
            super().__init__(manifest=server.manifest(), **kwargs)
            self.server = server
            self.on_msg(self._answer)

        def _answer(self, _widget: Any, content: dict, _buffers: Any) -> None:
            reply, buffers = self.server.handle(content)
            self.send(reply, buffers)

        def _repr_png_(self) -> bytes:  # where widgets do not render (nbconvert, GitHub)
            return preview_png(self.server.m)

    _WIDGET_CLASS = MosaicWidget
    return MosaicWidget


@takes_render_options(exclude=("out",))
def browse(
    weights: Any,
    *,
    title: Optional[str] = None,
    labels: Optional[Sequence[str]] = None,
    height: int = 520,
    **options: Unpack[DrawOptions],
) -> Any:
    """An interactive notebook view of the mosaic of `weights` (or of a Mosaic): pan,
    zoom, hover for a tile's unit, norm, min and max, jump to a unit, dim dead tiles
    (by dead='s threshold when it gives one). Only the visible regions are rendered, on
    demand, so a memory-mapped bank of a million tiles is browsable without writing
    anything."""
    cls = _widget_class()
    m = as_mosaic(weights, options)
    threshold = dead_mode(options.get("dead"))[1]
    server = RegionServer(
        m, title=title, labels=labels, dead_norm=threshold, threads=thread_count(options.get("threads"))
    )
    return cls(server, height=height)
