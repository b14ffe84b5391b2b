"""Zarr banks read chunk by chunk: a zarr array as a dask array whose tasks read (or
memory-map) one chunk each and name the chunk when it fails to read; store listing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .._extras import require

FORMAT_KEY = "fasttile"


def _need_zarr() -> Any:
    require("dask.array", "dask", "zarr stores")
    return require("zarr", "dask", "zarr stores")


class ChunkReadError(OSError):
    """An input chunk could not be read (the message names the chunk and the array)."""


@dataclass(frozen=True)
class _NamedChunkReader:
    """dask's getitem for zarr banks: reads one chunk, and names it when it fails."""

    chunks: tuple[int, ...]

    def __call__(self, array: Any, index: tuple, *args: Any, **kwargs: Any) -> np.ndarray:
        try:
            mapped = _mapped_chunk(array, index, self.chunks)
            return mapped if mapped is not None else np.asarray(array[index])
        except Exception as exc:
            coords = tuple(s.start // c for s, c in zip(index, self.chunks))
            span = ", ".join(f"{s.start}:{s.stop}" for s in index)
            where = getattr(array, "store_path", None) or type(array).__name__
            raise ChunkReadError(
                f"cannot read chunk {coords} (elements [{span}]) of zarr array {where}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc


def _mapped_chunk(array: Any, index: tuple, chunks: tuple[int, ...]) -> Optional[np.ndarray]:
    """An uncompressed chunk of a local zarr v3 array, memory-mapped read-only (no copy,
    as a .npy bank is read), or None when zarr must decode it: any codec but plain
    little-endian bytes, sharding, another store, a missing or odd-sized chunk file."""
    from zarr.storage import LocalStore

    codecs = getattr(array.metadata, "codecs", ())
    plain = len(codecs) == 1 and type(codecs[0]).__name__ == "BytesCodec"
    # zarr v3 keeps the byte order in the bytes codec, not in array.dtype
    little = plain and str(getattr(getattr(codecs[0], "endian", None), "value", "little")) == "little"
    if not little or array.dtype.byteorder == ">" or getattr(array, "shards", None):
        return None
    store = array.store_path.store
    if not isinstance(store, LocalStore):
        return None
    coords = tuple(s.start // c for s, c in zip(index, chunks))
    key = array.metadata.encode_chunk_key(coords)
    path = (
        os.path.join(str(store.root), array.path, key) if array.path else os.path.join(str(store.root), key)
    )
    if not os.path.isfile(path) or os.path.getsize(path) != int(np.prod(chunks)) * array.dtype.itemsize:
        return None
    whole = np.memmap(path, dtype=array.dtype, mode="r", shape=chunks)
    return whole[tuple(slice(0, s.stop - s.start) for s in index)]


def dask_from_zarr(array: Any) -> Any:
    """A zarr array as a dask array of its stored objects (shards when sharded)."""
    import dask.array as da

    chunks = tuple(getattr(array, "shards", None) or array.chunks)
    return da.from_array(array, chunks=chunks, getitem=_NamedChunkReader(chunks), fancy=False, asarray=False)


def open_bank(path: Any, key: Optional[str] = None) -> Any:
    """A zarr array (or `key` of a zarr group) at `path` as a dask array, for render and the CLI."""
    zarr = _need_zarr()
    try:
        node = zarr.open(path, mode="r")
    except FileNotFoundError:
        raise FileNotFoundError(f"no zarr array or group at {path}") from None
    if isinstance(node, zarr.Group):
        names = [found["name"] for found in _arrays_under(node, "", zarr)]
        if key is None:
            if len(names) != 1:
                raise ValueError(
                    f"{path} is a zarr group with arrays {', '.join(names) or '(none)'}: pass key="
                )
            key = names[0]
        if key not in names:
            raise KeyError(f"{path} has no array {key!r}; its arrays are {', '.join(names) or '(none)'}")
        node = node[key]
    elif key is not None:
        raise ValueError(f"{path} is a single zarr array; key={key!r} does not apply")
    return dask_from_zarr(node)


def list_arrays(path: Any) -> list[dict]:
    """Every array of a zarr group, depth first (or the array itself, named ""): name,
    shape, dtype and chunks, for `fasttile ls`."""
    zarr = _need_zarr()
    return _arrays_under(zarr.open(path, mode="r"), "", zarr)


def _arrays_under(node: Any, prefix: str, zarr: Any) -> list[dict]:
    if isinstance(node, zarr.Array):
        return [{"name": prefix, "shape": node.shape, "dtype": str(node.dtype), "chunks": node.chunks}]
    found = []
    for name, child in sorted(node.members(), key=lambda item: item[0]):
        found.extend(
            _arrays_under(child, f"{prefix}{name}" + ("" if isinstance(child, zarr.Array) else "/"), zarr)
        )
    return found
