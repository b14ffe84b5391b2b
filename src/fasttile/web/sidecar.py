"""Per-tile facts for the viewers: what each display tile shows and how to find a unit.

Written next to a pyramid as small script files ("JSONP") because a page opened from
file:// may load <script src> but not fetch JSON. Each file calls one function:

    FasttileSite.chunk("facts", k, {...})   display tiles [k*FACTS_CHUNK, (k+1)*FACTS_CHUNK)
    FasttileSite.chunk("units", k, {...})   bank units    [k*UNITS_CHUNK, (k+1)*UNITS_CHUNK)
    FasttileSite.chunk("dead", 0, {...})    one bit per display tile (the dimming overlay)

Arrays travel as base64 of little-endian bytes:
    facts: unit int32 (bank unit of each tile), stats float64 (norm, min, max per tile),
           dead uint8, and labels (a list of strings, when given)
    units: tile int32 (first display tile of each bank unit, -1 when not shown)
    dead:  bits (uint8, numpy.packbits order: tile t is bit 7 - t % 8 of byte t // 8)
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from typing import Any, Optional

import numpy as np

from ..kernel.view import TileView
from ..tiling.stats import dead_mask, tile_stats

FACTS_CHUNK = 4096
UNITS_CHUNK = 16384


def check_labels(labels: Optional[Sequence[str]], units: int) -> None:
    if labels is not None and len(labels) != units:
        raise ValueError(f"labels has {len(labels)} entries but the bank has {units} units")


def b64(array: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<"))).decode()


def jsonp(kind: str, k: int, payload: dict) -> str:
    """One script file's text. json.dumps escapes every non-ASCII character, so
    U+2028 and friends cannot end the JavaScript string early."""
    return f"FasttileSite.chunk({json.dumps(kind)},{int(k)},{json.dumps(payload, ensure_ascii=True)});\n"


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(text)


def facts_payload(
    stats: np.ndarray, tile_units: np.ndarray, dead: np.ndarray, labels: Optional[Sequence[str]]
) -> dict:
    payload: dict[str, Any] = {
        "unit": b64(tile_units, "int32"),
        "stats": b64(np.column_stack([np.sqrt(stats[:, 0]), stats[:, 3], stats[:, 4]]), "float64"),
        "dead": b64(dead, "uint8"),
    }
    if labels is not None:
        payload["labels"] = [str(labels[u]) for u in tile_units]
    return payload


def unit_positions(units: np.ndarray, inner: int, bank_units: int) -> np.ndarray:
    """int32 per bank unit: its first display tile, -1 when not shown."""
    pos = np.full(bank_units, -1, dtype=np.int32)
    pos[units] = np.arange(len(units), dtype=np.int64) * inner
    return pos


def write_sidecar(
    folder: str,
    view: TileView,
    units: np.ndarray,
    *,
    labels: Optional[Sequence[str]] = None,
    dead_norm: Optional[float] = None,
    threads: int = 1,
) -> dict:
    """Write facts/, units/ and dead/ under `folder` for display units `units` of
    `view`. Returns the manifest's sidecar entry (chunk sizes, dead count)."""
    inner = view.shape[1]
    check_labels(labels, view.units)
    for kind in ("facts", "units", "dead"):
        os.makedirs(os.path.join(folder, kind), exist_ok=True)
    stats = tile_stats(view, units, threads)  # 48 bytes a tile: 48 MB for a million
    dead = dead_mask(stats, dead_norm)
    tile_units = np.repeat(units, inner)
    for k, t0 in enumerate(range(0, len(stats), FACTS_CHUNK)):
        part = slice(t0, t0 + FACTS_CHUNK)
        payload = facts_payload(stats[part], tile_units[part], dead[part], labels)
        _write_text(os.path.join(folder, "facts", f"{k}.js"), jsonp("facts", k, payload))
    positions = unit_positions(units, inner, view.units)
    for k, u0 in enumerate(range(0, view.units, UNITS_CHUNK)):
        payload = {"tile": b64(positions[u0 : u0 + UNITS_CHUNK], "int32")}
        _write_text(os.path.join(folder, "units", f"{k}.js"), jsonp("units", k, payload))
    bits = {"bits": base64.b64encode(np.packbits(dead)).decode()}
    _write_text(os.path.join(folder, "dead", "0.js"), jsonp("dead", 0, bits))
    return {
        "facts_chunk": FACTS_CHUNK,
        "units_chunk": UNITS_CHUNK,
        "dead_tiles": int(dead.sum()),
        "labels": labels is not None,
    }
