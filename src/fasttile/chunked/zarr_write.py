"""Zarr on both sides: banks read chunk by chunk, mosaics written band by band.

`to_zarr(W, store, **render_options)` writes the mosaic as a zarr v3 array whose chunks
are whole bands of grid rows, so each dask task writes its own chunks and no chunk is
written by two tasks; `pyramid=True` writes an OME-Zarr (NGFF 0.5) multiscale group
instead (see _ome.py). Writes are atomic per chunk (zarr's local store writes a
temporary file and renames it; object stores put whole objects), every chunk is written
even when it holds only the fill value, so a chunk that exists is complete:
`resume=True` redraws only the bands with a missing chunk.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

from ..tiling.mosaic import Mosaic
from ..tiling.options import takes_render_options
from . import dask_graph as _dask_graph
from . import ome as _ome
from .plan import ChunkedPlan, plan
from .tile_facts import facts_of_plan, write_tile_facts
from .zarr_band import ZarrTarget, write_band
from .zarr_read import FORMAT_KEY, _need_zarr

if TYPE_CHECKING:  # the typed keywords, for type checkers only
    from typing_extensions import Unpack

    from ..tiling.typed_options import ZarrOptions


@dataclass(frozen=True)
class ZarrInfo:
    """What to_zarr wrote: where, the mosaic's geometry, and the work done this call."""

    store: str
    shape: tuple[int, ...]  # the mosaic, as render returns it
    level_shapes: list[tuple[int, ...]]  # stored shapes, level 0 first
    chunks: tuple[int, ...]  # level 0 chunk shape (a band of grid rows)
    nrows: int
    ncols: int
    band_rows: int  # grid rows per band (one task each)
    bands: int
    bands_written: int
    bands_skipped: int  # already complete (resume=True)
    temporaries_removed: int  # half-written chunk files of killed workers, deleted


def _levels(pyramid: Any, shape: tuple[int, ...]) -> int:
    if pyramid is False or pyramid is None:
        return 0
    if pyramid is True:
        return max(1, _ome.auto_levels(shape[0], shape[1]))
    if not hasattr(pyramid, "__index__") or int(pyramid) < 0:
        raise ValueError(f"pyramid must be True, False or a number of coarser levels, got {pyramid!r}")
    return int(pyramid)


def _band_rows(p: ChunkedPlan, rows: Optional[int], multiple_of_pixels: int) -> int:
    """Grid rows per band, rounded up so a band is a whole number of `multiple_of_pixels`
    pixel rows (the chunk height, times 2**levels for a pyramid)."""
    import math

    chosen = p.default_rows() if rows is None else _positive(rows)
    step = multiple_of_pixels // math.gcd(p.spec.cell_h, multiple_of_pixels)
    return -(-chosen // step) * step


def _positive(rows: Any) -> int:
    if not hasattr(rows, "__index__") or isinstance(rows, bool) or int(rows) < 1:
        raise ValueError(f"rows (grid rows per band) must be a positive integer, got {rows!r}")
    return int(rows)


def _fingerprint(p: ChunkedPlan, band_rows: int, levels: int, compressors: Any) -> str:
    """What makes two writes of the same store interchangeable: the bank's shape, dtype and
    the resolved render (display order and range included, which depend on the data)."""
    spec = p.spec
    facts = {
        "bank": [list(p.bank.shape), str(p.bank.dtype)],
        "spec": {k: v for k, v in vars(spec).items() if k not in ("lut", "threads", "backend")},
        "lut": hashlib.sha256(spec.plan.lut.tobytes()).hexdigest() if spec.plan.lut is not None else None,
        "units": hashlib.sha256(p.display_units.tobytes()).hexdigest(),
        "band_rows": band_rows,
        "levels": levels,
        "compressors": repr(compressors),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def _metadata(p: ChunkedPlan, band_rows: int, levels: int, fingerprint: str) -> dict:
    s = p.spec
    return {
        "version": 1,
        "fingerprint": fingerprint,
        "complete": False,
        "mosaic_shape": list(p.shape),
        "nrows": s.plan.nrows,
        "ncols": s.plan.ncols,
        "tiles": s.tiles,
        "tile_height": s.tile_h,
        "tile_width": s.tile_w,
        "padding": s.plan.padding,
        "band_rows": band_rows,
        "levels": levels,
    }


def _create(
    zarr: Any,
    store: Any,
    p: ChunkedPlan,
    band_rows: int,
    levels: int,
    meta: dict,
    compressors: Any,
    replace: bool,
):
    """A new plain array (levels == 0) or NGFF multiscale group; returns (node, target)."""
    band_h = band_rows * p.spec.cell_h
    common = {"dtype": "uint8", "fill_value": 0, "compressors": compressors}
    common["config"] = {"write_empty_chunks": True}  # a chunk that exists has been written
    if levels == 0:
        names = ("y", "x", "c")[: len(p.shape)]
        chunks = (min(band_h, p.shape[0]),) + p.shape[1:]
        array = zarr.create_array(
            store,
            shape=p.shape,
            chunks=chunks,
            dimension_names=names,
            attributes={FORMAT_KEY: meta},
            overwrite=replace,
            **common,
        )
        return array, ZarrTarget((array,), ngff=False)
    channels = p.spec.channels
    attributes = {"ome": _ome.ome_attributes(levels, channels, "fasttile mosaic"), FORMAT_KEY: meta}
    group = zarr.create_group(store, attributes=attributes, overwrite=replace)
    arrays = []
    for level, (h, w) in enumerate(_ome.level_shapes(p.shape[0], p.shape[1], levels)):
        shape = _ome.stored_shape(h, w, channels)
        rows = min(band_h >> level, h)
        chunks = (3, rows, w) if channels == 3 else (rows, w)
        names = ("c", "y", "x") if channels == 3 else ("y", "x")
        arrays.append(
            group.create_array(str(level), shape=shape, chunks=chunks, dimension_names=names, **common)
        )
    return group, ZarrTarget(tuple(arrays), ngff=True)


def _open_existing(zarr: Any, store: Any):
    try:
        return zarr.open(store, mode="r+")
    except (FileNotFoundError, KeyError):
        return None
    except Exception as exc:  # zarr raises its own "node not found" errors
        if "not found" in str(exc).lower() or type(exc).__name__.endswith("NotFoundError"):
            return None
        raise


def _resumed(zarr: Any, node: Any, store: Any, fingerprint: str, levels: int):
    """(node, target) of an earlier write of this very render, or a ValueError."""
    meta = node.attrs.get(FORMAT_KEY)
    if not isinstance(meta, dict) or "fingerprint" not in meta:
        raise ValueError(f"{store} holds zarr data that fasttile.to_zarr did not write; pass overwrite=True")
    if meta["fingerprint"] != fingerprint:
        raise ValueError(
            f"{store} was written by a different render (other options, bank, order or range); "
            "resume needs the same call: pass overwrite=True to start again"
        )
    arrays = (node,) if levels == 0 else tuple(node[str(level)] for level in range(levels + 1))
    return node, ZarrTarget(arrays, ngff=levels > 0)


def _target(store: Any, p: ChunkedPlan, band_rows: int, levels: int, meta: dict, how: dict):
    zarr = _need_zarr()
    existing = _open_existing(zarr, store)
    if existing is not None and how["resume"]:
        return _resumed(zarr, existing, store, meta["fingerprint"], levels)
    if existing is not None and not how["overwrite"]:
        raise FileExistsError(
            f"{store} already holds zarr data: pass overwrite=True to replace it, "
            "or resume=True to finish an interrupted write of the same render"
        )
    return _create(zarr, store, p, band_rows, levels, meta, how["compressors"], existing is not None)


def _local_root(node: Any) -> Optional[str]:
    from zarr.storage import LocalStore

    store = node.store_path.store
    if not isinstance(store, LocalStore):
        return None
    return os.path.join(str(store.root), node.path) if node.path else str(store.root)


def _remove_stray_temporaries(node: Any) -> int:
    """Delete the temporary files of chunk writes that a killed worker never renamed
    (zarr's local store writes `<chunk>.<hex>.partial`, then renames it). Only called
    after every band has been written, so no live write owns one."""
    root = _local_root(node)
    removed = 0
    if root is None:
        return 0
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".partial"):
                os.unlink(os.path.join(folder, name))
                removed += 1
    return removed


@takes_render_options(exclude=("out",))
def to_zarr(
    weights: Any,
    store: Any,
    *,
    rows: Optional[int] = None,
    pyramid: Any = False,
    resume: bool = False,
    overwrite: bool = False,
    compressors: Any = "auto",
    facts: bool = False,
    scheduler: Any = None,
    progress: Optional[Callable[[int, int], Any]] = None,
    **options: Unpack[ZarrOptions],
) -> ZarrInfo:
    """Render `weights` (any bank render accepts, dask and zarr arrays included) into a zarr
    v3 store, one dask task per band of `rows` grid rows, each writing its own chunks.

    pyramid=False: `store` becomes one array, equal to ``render(weights, **options)``.
    pyramid=True (or a number of coarser levels): an OME-Zarr (NGFF 0.5) multiscale group,
    arrays "0", "1", ..., RGB stored channel first (c, y, x), each level a 2x2 mean.
    resume=True: finish an interrupted write of the same call: bands whose chunks all
    exist are skipped (chunks are written whole, so an existing chunk is complete).
    overwrite=True replaces what `store` holds. compressors: zarr's (default zstd; None
    for raw). facts=True (with a pyramid) adds group "tiles": per display tile its unit,
    channel, row, col and statistics (see _tile_facts). scheduler: dask's (default: a
    distributed Client if active, else threads). progress(done_bands, owed_bands) is
    called as bands are written (then the bands are computed in about twenty batches).
    """
    if isinstance(weights, Mosaic):
        raise TypeError(
            "to_zarr renders from the bank (its tasks read it chunk by chunk): pass the weights "
            "and the render options, not a fasttile.Mosaic"
        )
    if resume and overwrite:
        raise ValueError("resume=True keeps what is there and overwrite=True replaces it: pass one")
    if facts and not pyramid:
        raise ValueError(
            "facts=True stores the tile facts beside the levels of a group: pass pyramid=True too"
        )
    _need_zarr()
    p = plan(weights, scheduler=scheduler, **options)
    levels = _levels(pyramid, p.shape)
    band_rows = _band_rows(p, rows, 2**levels)
    meta = _metadata(p, band_rows, levels, _fingerprint(p, band_rows, levels, compressors))
    how = {"resume": resume, "overwrite": overwrite, "compressors": compressors}
    node, target = _target(store, p, band_rows, levels, meta, how)
    done = node.attrs[FORMAT_KEY].get("complete")
    tasks = [] if done else p.band_tasks(band_rows, draw=write_band, extra=(target,))
    bands = len(list(_dask_graph.bands(p.spec, band_rows)))
    owed = [t for r0, r1, t in tasks if not (resume and target.band_written(*p.spec.pixel_rows(r0, r1)))]
    _compute_with_progress(owed, scheduler, progress)
    removed = _remove_stray_temporaries(node)
    if facts:
        write_tile_facts(node, facts_of_plan(p))
    node.attrs.update({FORMAT_KEY: {**meta, "complete": True}})  # last: the store is whole
    return _info(node, p, target, band_rows, bands, len(owed), removed)


def _info(
    node: Any, p: ChunkedPlan, target: ZarrTarget, band_rows: int, bands: int, written: int, removed: int
):
    return ZarrInfo(
        store=str(node.store_path),
        shape=p.shape,
        level_shapes=[a.shape for a in target.arrays],
        chunks=target.arrays[0].chunks,
        nrows=p.spec.plan.nrows,
        ncols=p.spec.plan.ncols,
        band_rows=band_rows,
        bands=bands,
        bands_written=written,
        bands_skipped=bands - written,
        temporaries_removed=removed,
    )


def render_into_zarr(
    weights: Any, out: Any, *, scheduler: Any = None, rows: Optional[int] = None, **options: Any
) -> Any:
    """render(weights, out=zarr_array): each band task writes its own chunks of `out`,
    which must be uint8 of the mosaic's shape; bands are whole chunks high (rows is
    rounded up to that). Returns `out`."""
    p = plan(weights, scheduler=scheduler, **options)
    if tuple(out.shape) != tuple(p.shape) or str(out.dtype) != "uint8":
        raise ValueError(
            f"out has shape {tuple(out.shape)} and dtype {out.dtype} but the mosaic is uint8 {p.shape}"
        )
    chunk_h = (getattr(out, "shards", None) or out.chunks)[0]
    band_rows = _band_rows(p, rows, chunk_h)
    tasks = p.band_tasks(band_rows, draw=write_band, extra=(ZarrTarget((out,), ngff=False),))
    _dask_graph.compute([t for _, _, t in tasks], scheduler)
    return out


def _compute_with_progress(
    tasks: list, scheduler: Any, progress: Optional[Callable[[int, int], Any]]
) -> None:
    """All band tasks at once, or, to report progress, in about twenty batches."""
    if progress is None:
        _dask_graph.compute(tasks, scheduler)
        return
    step = max(1, -(-len(tasks) // 20))
    for done in range(0, len(tasks), step):
        _dask_graph.compute(tasks[done : done + step], scheduler)
        progress(min(done + step, len(tasks)), len(tasks))
