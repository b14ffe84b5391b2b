"""The fast path of fasttile.render for small renders of a plain ndarray (or CPU tensor).

A render of a 3x3 conv bank costs ~3 µs in the kernel but ~50 µs of Python checks.
Those checks depend only on the array's dtype, shape and strides and on the options,
never on the values (for the options allowed here), so their outcome is learnt once
by running the full validation (`prepare`) and replayed from a cache. Any call this
path cannot vouch for (another type, an unusual option, an out= that is not a plain
C-contiguous uint8 array, a shape that warns, non-finite values) returns None and
takes the full path, which raises or warns exactly as it always did.

A global range or an order reads the values, so the plan keeps the view and replays
just that pass per call (the same scan_range and _ordered the full path runs); a scan
that meets a non-finite value hands the call to the full path.
"""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from typing import Any, Optional

import numpy as np

from ..kernel import backends
from ..kernel import native as _native_backend
from ..kernel.arrays import _from_torch
from ..kernel.plan import kernel_mode
from .hints import hint_for, maps_hint
from .options import CACHEABLE
from .prepare import global_range_mode, prepare
from .selection import _ordered

# Options whose checks read no weights and whose plain values fully decide the plan (or,
# for a global range and an order, decide it but for one pass replayed per call).
# Selections and colour maps stay on the full path.
_PLAIN_TYPES = frozenset((str, int, bool, type(None)))
# normalizations planned without a pass over the weights ("none" is a fixed value_range)
_READS_NOTHING = (None, "tile", "symmetric", "none")
_GLOBAL = ("global", "global-symmetric")
# Below this much kernel work (values read + mosaic bytes) the kernel stays on one thread
# (cpp/fasttile/parallel.hpp threads_for), so the default thread count learnt once is as
# good as asking the OS; above it, the default is asked for on every call (the process's
# CPU affinity may change between calls), as the full path does.
_SMALL_WORK = 1 << 19
_MAX_PLANS = 256
_UINT8 = np.dtype(np.uint8)
_UNKNOWN = object()

# (dtype, shape, strides, options) -> plan tuple, or None: "use the full path"
_plans: dict[tuple, Optional[tuple]] = {}


def _options_key(options: dict) -> Optional[tuple]:
    key = []
    for name, value in options.items():
        if name == "out":
            continue
        plain = _plain(value)
        if name not in CACHEABLE or plain is None:
            return None
        key.append((name, plain))
    return tuple(key)


def _plain(value: Any) -> Optional[tuple]:
    """A key that tells apart every value the checks could treat differently: the exact
    type rides along (True == 1, but zoom=True is refused), floats go by their bits
    (0.0 == -0.0), tuples item by item; None for any other value (lists, arrays, objects)."""
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return (kind, value)
    if kind is float:
        return (kind, value.hex())
    if kind is tuple and len(value) <= 3:
        items = tuple(_plain(v) for v in value)
        return None if None in items else (kind, items)
    return None


def render_fast(weights: Any, options: dict) -> Optional[np.ndarray]:
    """render(weights, **options) when this path can vouch for it, else None."""
    core = _native_backend._core  # read per call: tests (and broken installs) have none
    if core is None:
        return None
    if type(weights) is not np.ndarray:
        weights = _cpu_tensor_array(weights)
        if weights is None:
            return None
    out = options.get("out")
    key: Optional[tuple] = ()
    if len(options) > ("out" in options):  # options besides out=
        key = _options_key(options)
        if key is None:
            return None
    full_key = (weights.dtype, weights.shape, weights.strides, key)
    plan = _plans.get(full_key, _UNKNOWN)
    learnt_now = plan is _UNKNOWN  # then the plan holds this call's order and range already
    if learnt_now:
        plan = _learn(weights, options, full_key)
    if plan is None:
        return None
    view_as, head, shape, out_strides, mark, threads, passes = plan
    if threads is None:
        threads = backends.default_threads()
    if passes is not None and not learnt_now:
        data = weights if view_as is None else weights.view(view_as)
        head = _head_after_passes(data, head, passes, threads)
        if head is None:
            return None
    if out is None:
        try:
            out = np.empty(shape, _UINT8)
        except (MemoryError, ValueError):
            return None  # the full path raises MosaicTooLarge, naming the size
    elif not _plain_out(out, shape, out_strides, weights):
        return None
    count, _ = core.render(weights if view_as is None else weights.view(view_as), *head, out, threads)
    if count and not mark:
        return None  # the full path renders again and raises, naming the tiles
    return out


def _head_after_passes(data: np.ndarray, head: tuple, passes: tuple, threads: int) -> Optional[tuple]:
    """The kernel's arguments once the call's order and global range are known (None:
    a non-finite value, which the full path reports or marks)."""
    template, order, normalize = passes
    sel = None
    if order != "index":
        sel = _ordered(replace(template, data=data), None, order, None, _native_backend, threads)
    mode, lo, hi = head[6:9]
    if normalize in _GLOBAL:
        # the binding straight from the head (the view's fields): rebuilding the view
        # per call (dataclasses.replace) took about 2 us, S's scan 12 us
        glo, ghi, (count, _) = _native_backend._core.scan_range(data, *head[:4], sel, head[5], threads)
        if count:
            return None
        mode, lo, hi = global_range_mode(normalize, glo, ghi)
        mode = kernel_mode(mode, scanned=True)  # no value was non-finite
    return head[:4] + (sel,) + head[5:6] + (mode, lo, hi) + head[9:]


def _cpu_tensor_array(weights: Any) -> Optional[np.ndarray]:
    """A plain torch tensor or parameter on the CPU as the ndarray the full path views it
    as (torch is never imported here); None for anything else, bfloat16 included."""
    torch = sys.modules.get("torch")
    if torch is None or type(weights) not in (torch.Tensor, torch.nn.Parameter):
        return None
    if weights.device.type != "cpu" or weights.layout is not torch.strided or weights.is_complex():
        return None  # the full path warns, copies or raises
    if weights.dtype is torch.bfloat16:
        return None  # travels as raw bits with a forced element type
    arr, forced = _from_torch(weights)
    return arr if forced is None else None


def _plain_out(out: Any, shape: tuple, strides: tuple, weights: np.ndarray) -> bool:
    """A subset of what the full path's out= check accepts: an exact uint8 ndarray of the
    mosaic's shape, C-contiguous, writeable, not overlapping the weights."""
    if type(out) is not np.ndarray or out.dtype is not _UINT8 or out.shape != shape or out.strides != strides:
        return False
    flags = out.flags
    if not flags.writeable:
        return False
    # Two arrays that each own their memory cannot overlap: skip the costlier test.
    if flags.owndata and weights.flags.owndata and out is not weights:
        return True
    return not np.may_share_memory(out, weights)


def _learn(weights: np.ndarray, options: dict, full_key: tuple) -> Optional[tuple]:
    """Run the full checks once for this key; remember their outcome (None: full path)."""
    plan = _plan(weights, {k: v for k, v in options.items() if k != "out"})
    if plan is _UNKNOWN:
        return None  # failed on this call's values: the next call's may be fine
    if len(_plans) >= _MAX_PLANS:
        _plans.clear()  # bounded: a process rendering many shapes just relearns them
    # The cache keeps no selection (this call's order, one int64 a unit): each call
    # that replays the plan orders its own values.
    kept = plan
    if plan is not None and plan[1][4] is not None:
        view_as, head, *rest = plan
        kept = (view_as, head[:4] + (None,) + head[5:], *rest)
    _plans[full_key] = kept
    return plan


def _plan(weights: np.ndarray, options: dict) -> Any:
    """The plan tuple, None (always the full path for this key) or _UNKNOWN (the full
    checks failed on these values: a non-finite value under a global range or an order)."""
    normalize = options.get("normalize")
    if normalize not in _READS_NOTHING + _GLOBAL or options.get("backend", "auto") == "numpy":
        return None
    defaulted = options.get("layout") is None and options.get("tile_shape") is None
    if defaulted and hint_for(weights.shape) is not None:
        return None  # the full path warns (LayoutWarning) on every such call
    if maps_hint(weights.shape, options.get("layout")) is not None:
        return None  # likewise for activations given an unlikely nchw/nhwc
    reads_values = normalize in _GLOBAL or options.get("order", "index") != "index"
    try:
        prep = prepare(weights, **options)
    except Exception:  # the full path raises the same error with its message
        return _UNKNOWN if reads_values else None
    view, p = prep.view, prep.plan
    order = options.get("order", "index")
    if prep.impl is not _native_backend or (prep.selection is not None and order == "index"):
        return None  # (order is the only cacheable option that selects)
    scanned = normalize in _GLOBAL and "value_range" not in options
    fixed = p.mode == "range" and "value_range" in options
    if p.mode not in ("tile", "symmetric") and not fixed and not scanned:
        return None
    threads = p.threads
    if view.data.size + math.prod(prep.shape) >= _SMALL_WORK and options.get("threads") is None:
        threads = None  # all cores, counted per call
    view_as = None if view.data.dtype == weights.dtype else view.data.dtype
    head = (view.dtype, view.offset, view.shape, view.strides, prep.selection, view.channel_mean)
    head += (p.kernel_mode, p.lo, p.hi, p.nrows, p.ncols, p.column_fill, p.padding, p.zoom)
    head += (p.pad_value, p.lut, p.mark_nonfinite, p.marker)
    pixel = 3 if len(prep.shape) == 3 else 1
    out_strides = (prep.shape[1] * pixel, pixel, 1)[: len(prep.shape)]  # C order
    passes = (view, order, normalize if scanned else None) if scanned or order != "index" else None
    return view_as, head, prep.shape, out_strides, p.mark_nonfinite, threads, passes
