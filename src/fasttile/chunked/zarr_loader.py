"""Zarr stores as weight files: listed from their metadata, each array read lazily as a
dask array (chunk by chunk, by the band that needs it; see zarr_io.open_bank), so
`fasttile render bank.zarr` and `fasttile ls bank.zarr` never load the bank."""

from __future__ import annotations

import os
from typing import Any

from ..loaders.registry import Format, register
from ..loaders.source import LoadError, Source, TensorInfo
from .zarr_read import list_arrays, open_bank


class ZarrSource(Source):
    framework = "zarr"

    def __init__(self, path: str):
        self.path = path
        try:
            found = list_arrays(path)
        except FileNotFoundError:
            raise LoadError(f"{path}: no zarr array or group there") from None
        except (ValueError, KeyError, OSError) as exc:
            raise LoadError(f"{path}: not a readable zarr store ({str(exc).splitlines()[0]})") from None
        self.tensors = {f["name"]: TensorInfo(tuple(f["shape"]), str(f["dtype"])) for f in found}

    def read(self, name: str) -> Any:
        return open_bank(self.path, key=name or None)


def open_source(path: str) -> ZarrSource:
    return ZarrSource(path)


def _is_store(path: str) -> bool:
    return path.rstrip("/\\").lower().endswith(".zarr") or os.path.exists(os.path.join(path, "zarr.json"))


register(Format("zarr", open_source, (".zarr",), ".zarr", folder=_is_store))
