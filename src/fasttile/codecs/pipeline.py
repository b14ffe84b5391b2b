"""Produce in order on this thread, transform on a pool, consume in order.

Writers render band k+1 (the kernel, GIL released) while bands k, k-1, ... are being
compressed on worker threads (the deflate libraries release the GIL too), and write
finished bands in order. At most `depth` bands are in flight, so memory stays a few
bands whatever the image's size. Reusable buffers go back to the producer once the
band that used them is consumed.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(
    transform: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    depth: int,
    on_done: Callable[[T], Any] = lambda item: None,
) -> Iterator[R]:
    """transform(item) for each item, in order, `workers` at a time; on_done(item)
    runs after the item's result has been handed out (to recycle its buffer)."""
    if workers <= 1:
        for item in items:
            yield transform(item)
            on_done(item)
        return
    yield from _on_pool(transform, items, workers, depth, on_done)


def prefetched(produce: Callable[[T], R], items: Iterable[T], ahead: int = 1) -> Iterator[R]:
    """produce(item) for each item, in order, made on one background thread up to
    `ahead` items before they are asked for: the consumer's work on one (writing it)
    overlaps the production of the next (the kernel drawing it, GIL released)."""
    return _on_pool(produce, items, 1, ahead + 1, lambda item: None)


def _on_pool(
    transform: Callable[[T], R], items: Iterable[T], workers: int, depth: int, on_done: Callable[[T], Any]
) -> Iterator[R]:
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fasttile-write")
    pending: collections.deque[tuple[T, Future]] = collections.deque()
    try:
        for item in items:
            pending.append((item, pool.submit(transform, item)))
            while len(pending) >= depth:
                yield from _hand_out(pending.popleft(), on_done)
        while pending:
            yield from _hand_out(pending.popleft(), on_done)
    finally:
        for _, future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _hand_out(entry: tuple[Any, Future], on_done: Callable[[Any], Any]) -> Iterator[Any]:
    item, future = entry
    yield future.result()
    on_done(item)
