"""Chunked banks (dask, zarr) rendered as dask graphs; zarr stores read and written.
zarr_loader registers zarr stores as a weight-file format when this package loads."""

from . import zarr_loader  # noqa: F401  (registers .zarr stores with the loaders)
