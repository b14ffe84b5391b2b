"""Per-tile facts of a chunked bank (what a viewer shows when a tile is pointed at),
computed as one dask task per input chunk along the unit axis and stored next to the
mosaic as zarr arrays, one value per display tile.

Columns (STAT_COLUMNS, the same as the web viewer's sidecar): sum of squares, mean,
variance, min and max over the tile's finite values (all its channels), and the count of
non-finite values; float64. Plus where each tile comes from (unit, channel) and where it
is drawn (row, col).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tiling.stats import STAT_COLUMNS, tile_stats
from . import dask_graph as _dask_graph
from .plan import plan
from .strip_task import StripSpec, _view


def block_stats(block: Any, spec: StripSpec, local_units: np.ndarray) -> np.ndarray:
    """(len(local_units) * inner, 6) float64: STAT_COLUMNS of every tile of the listed
    units of a block, unit-major (runs on a worker): the web viewer's own per-tile
    statistics (sidecar.tile_stats, the kernel's one pass), applied to one block."""
    return tile_stats(_view(block, spec), np.ascontiguousarray(local_units), spec.plan.threads)


def tile_facts(weights: Any, *, scheduler: Any = None, **render_options: Any) -> dict[str, np.ndarray]:
    """Facts of every display tile of render(weights, **render_options), in display order:
    "unit", "channel", "row", "col" (int64) and STAT_COLUMNS (float64). One dask task per
    input chunk holding shown units; each unit is read once."""
    p = plan(weights, scheduler=scheduler, **render_options)
    return facts_of_plan(p)


def facts_of_plan(p: Any) -> dict[str, np.ndarray]:
    import dask

    spec, units, inner = p.spec, p.display_units, p.spec.inner
    distinct = np.unique(units)
    tasks = []
    for a, b in _dask_graph.unit_chunks(p.bank, p.axis):
        part = distinct[np.searchsorted(distinct, a) : np.searchsorted(distinct, b)]
        if part.size:
            block = _dask_graph.take_units(p.bank, p.axis, np.arange(a, b))
            tasks.append(dask.delayed(block_stats)(block, spec, part - a))
    by_unit = np.concatenate(_dask_graph.compute(tasks, p.scheduler)).reshape(len(distinct), inner, -1)
    stats = by_unit[np.searchsorted(distinct, units)].reshape(len(units) * inner, -1)
    t = np.arange(len(units) * inner, dtype=np.int64)
    rows, cols = spec.plan.cell_of(t)
    facts = {"unit": np.repeat(units, inner), "channel": t % inner, "row": rows, "col": cols}
    facts.update({name: stats[:, k] for k, name in enumerate(STAT_COLUMNS)})
    return facts


def write_tile_facts(group: Any, facts: dict[str, np.ndarray], name: str = "tiles") -> None:
    """Store the facts as a zarr group `name` inside `group`, one 1-D array per fact
    (replacing an earlier one)."""
    tiles = group.create_group(name, overwrite=True, attributes={"columns": list(facts)})
    for key, values in facts.items():
        tiles.create_array(key, data=np.ascontiguousarray(values), chunks=(min(len(values), 1 << 16),))
