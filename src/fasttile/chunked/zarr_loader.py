"""Zarr stores as weight files: listed from their metadata, each array read lazily as a
dask array (chunk by chunk, by the band that needs it; see zarr_io.open_bank), so
`fasttile render bank.zarr` and `fasttile ls bank.zarr` never load the bank."""

from __future__ import annotations

from typing import Any

from ..loaders.registry import LoadError, Source, TensorInfo


class ZarrSource(Source):
    framework = "zarr"

    def __init__(self, path: str):
        from .zarr_io import list_arrays

        self.path = path
        try:
            found = list_arrays(path)
        except FileNotFoundError:
            raise LoadError(f"{path}: no zarr array or group there") from None
        except (ValueError, KeyError, OSError) as exc:
            raise LoadError(f"{path}: not a readable zarr store ({str(exc).splitlines()[0]})") from None
        self.tensors = {f["name"]: TensorInfo(tuple(f["shape"]), str(f["dtype"])) for f in found}

    def read(self, name: str) -> Any:
        from .zarr_io import open_bank

        return open_bank(self.path, key=name or None)


def open_source(path: str) -> ZarrSource:
    return ZarrSource(path)
