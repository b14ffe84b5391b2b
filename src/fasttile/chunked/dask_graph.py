"""The dask tasks of a chunked render: reductions over the bank's chunks along the unit
axis, and one task per band of grid rows. Only this module and chunked.py import dask."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable, Optional

import numpy as np

from . import strip_task as _strip_task
from .strip_task import StripSpec

REPORTED_BAD_TILES = 16


def _along(ndim: int, axis: int, index: Any) -> tuple:
    return (slice(None),) * axis + (index,) + (slice(None),) * (ndim - axis - 1)


def unit_chunks(bank: Any, axis: int) -> Iterator[tuple[int, int]]:
    """[a, b) unit bounds of the bank's chunks along the unit axis."""
    a = 0
    for size in bank.chunks[axis]:
        yield a, a + size
        a += size


def take_units(bank: Any, axis: int, units: np.ndarray) -> Any:
    """The listed units (bank indices) in that order, whole along every other axis: a
    slice when they are consecutive (dask reads only the chunks it crosses), an
    orthogonal take otherwise. A slice whole along the other axes goes to the task as
    the list of its pieces (views of the chunks), which the task joins only when there
    are several: dask would otherwise copy even a single piece."""
    if _consecutive(units):
        part = bank[_along(bank.ndim, axis, slice(int(units[0]), int(units[-1]) + 1))]
        if all(len(c) == 1 for i, c in enumerate(part.chunks) if i != axis):
            return list(part.to_delayed().ravel())
        return part
    return bank[_along(bank.ndim, axis, units)]


def _compute(tasks: list, scheduler: Any) -> tuple:
    import dask

    with dask.config.set({"array.slicing.split_large_chunks": False}):
        return dask.compute(*tasks, scheduler=scheduler)


def per_unit(
    bank: Any, axis: int, spec: StripSpec, units: np.ndarray, measure: Callable, scheduler: Any
) -> np.ndarray:
    """measure(block, spec, local_units) (one row per unit: a squared norm, or the six
    statistics) of each listed unit, duplicates allowed; one task per input chunk along
    the unit axis, each unit measured inside exactly one task."""
    import dask

    distinct = np.unique(units)
    tasks = []
    for a, b in unit_chunks(bank, axis):
        part = distinct[np.searchsorted(distinct, a) : np.searchsorted(distinct, b)]
        if part.size:
            block = take_units(bank, axis, np.arange(a, b))
            tasks.append(dask.delayed(measure)(block, spec, part - a))
    by_unit = np.concatenate(_compute(tasks, scheduler))  # distinct units, ascending
    return by_unit[np.searchsorted(distinct, units)]


def sq_norms(bank: Any, axis: int, spec: StripSpec, units: np.ndarray, scheduler: Any) -> np.ndarray:
    """Squared norm of each listed unit (the kernel's unit_sq_norms)."""
    return per_unit(bank, axis, spec, units, _strip_task.unit_sq_norms, scheduler)


def unit_stats(bank: Any, axis: int, spec: StripSpec, units: np.ndarray, scheduler: Any) -> np.ndarray:
    """(len(units), 6) statistics of each listed unit (the kernel's unit_stats)."""
    return per_unit(bank, axis, spec, units, _strip_task.unit_stats, scheduler)


def value_range(
    bank: Any, axis: int, spec: StripSpec, units: np.ndarray, scheduler: Any
) -> tuple[float, float, int, list[tuple[int, int]]]:
    """(lo, hi, non-finite count, first bad (unit, channel)) over the listed units,
    counting a unit listed twice twice, as the single-process scan does."""
    import dask

    listed = np.sort(units)
    tasks = []
    for a, b in unit_chunks(bank, axis):
        part = listed[np.searchsorted(listed, a) : np.searchsorted(listed, b)]
        if part.size:
            block = take_units(bank, axis, np.arange(a, b))
            tasks.append(dask.delayed(_strip_task.value_range)(block, spec, part - a, part))
    lo, hi, count, bad = np.inf, -np.inf, 0, []
    for part_lo, part_hi, part_count, part_bad in _compute(tasks, scheduler):
        lo, hi, count = min(lo, part_lo), max(hi, part_hi), count + part_count
        bad.extend(part_bad)
    return lo, hi, count, bad[:REPORTED_BAD_TILES]


def bands(spec: StripSpec, rows: int) -> Iterator[tuple[int, int]]:
    for r0 in range(0, spec.plan.nrows, rows):
        yield r0, min(r0 + rows, spec.plan.nrows)


def band_tasks(
    bank: Any,
    axis: int,
    spec: StripSpec,
    display_units: np.ndarray,
    rows: int,
    draw: Optional[Callable] = None,
    extra: tuple = (),
) -> list[tuple[int, int, Any]]:
    """(r0, r1, delayed) for every band of `rows` grid rows. The task calls
    draw(block, spec, r0, r1, bank_units, *extra) (default: render_strip, which returns
    the band's pixels)."""
    import dask

    draw = draw or _strip_task.render_strip
    tasks = []
    for r0, r1 in bands(spec, rows):
        units = display_units[spec.strip_units(r0, r1)]
        block = take_units(bank, axis, units) if units.size else None
        task = dask.delayed(draw, pure=True)(block, spec, r0, r1, _compact(units), *extra)
        tasks.append((r0, r1, task))
    return tasks


def _compact(units: np.ndarray) -> Any:
    """The band's unit list as the task receives it: a range when consecutive (a few bytes
    in the graph instead of 8 a unit), else the array."""
    if _consecutive(units):
        return range(int(units[0]), int(units[-1]) + 1)
    return units


def _consecutive(units: np.ndarray) -> bool:
    return bool(len(units)) and units[-1] - units[0] == len(units) - 1 and bool(np.all(np.diff(units) == 1))


def compute(tasks: list, scheduler: Any) -> tuple:
    return _compute(tasks, scheduler)
