"""Reading weight tensors from files lazily and safely: nothing is ever unpickled.

`keys(path)` reads headers only; `load(path, key)` maps (or, for compressed storage,
reads) the one tensor asked for. Each format lives in its own `_load_<format>.py`
module exposing `open_source(path) -> Source`; this module picks the module by the
path's extension (or, for unknown extensions, by the file's first bytes).
"""

from __future__ import annotations

import difflib
import importlib
import os
from typing import Any, NamedTuple, Optional, Union

PathLike = Union[str, "os.PathLike[str]"]


class LoadError(ValueError):
    """A file cannot be read as weights: one line naming the file and the problem."""


class TensorInfo(NamedTuple):
    """What `fasttile.keys` reports for a tensor: read from the header, no data."""

    shape: tuple[int, ...]
    dtype: str


class Source:
    """An opened weight file: its tensors' names, shapes and dtypes, and a way to
    read one of them. `layouts` maps ndim to the layout the file's framework uses
    ({} means fasttile's own defaults); `framework` names it for `fasttile ls`."""

    path: str
    tensors: dict[str, TensorInfo]
    layouts: dict[int, str] = {}
    framework: str = ""

    def read(self, name: str) -> Any:  # pragma: no cover - every format overrides it
        raise NotImplementedError


# extension -> module implementing open_source(path)
_BY_EXTENSION = {
    ".npy": "fasttile.loaders.npy",
    ".npz": "fasttile.loaders.npz",
    ".safetensors": "fasttile.loaders.safetensors_file",
    ".json": "fasttile.loaders.sharded",  # model.safetensors.index.json, pytorch_model.bin.index.json
    ".pt": "fasttile.loaders.torch_file",
    ".pth": "fasttile.loaders.torch_file",
    ".bin": "fasttile.loaders.torch_file",
    ".ckpt": "fasttile.loaders.torch_file",
    ".h5": "fasttile.loaders.hdf5",
    ".hdf5": "fasttile.loaders.hdf5",
    ".keras": "fasttile.loaders.hdf5",
    # Zarr stores are read by fasttile._load_zarr (its own module, open_source(path) like
    # the others); until it exists, _dispatch says so in one line.
    ".zarr": "fasttile.chunked.zarr_loader",
}
_MAGIC = (
    (b"\x93NUMPY", "fasttile.loaders.npy"),
    (b"\x89HDF\r\n\x1a\n", "fasttile.loaders.hdf5"),
)
SUPPORTED = ".npy, .npz, .safetensors (and sharded *.index.json), .pt/.pth/.bin/.ckpt, .h5/.keras, .zarr"


def _sniff(path: str) -> Optional[str]:
    """The loader module for a file with an unknown extension, from its first bytes."""
    with open(path, "rb") as f:
        head = f.read(16)
    for magic, module in _MAGIC:
        if head.startswith(magic):
            return module
    if head.startswith(b"PK\x03\x04"):
        import zipfile

        from .zip_members import ZIP_ERRORS

        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
        except ZIP_ERRORS:
            return None
        if any(n.endswith("data.pkl") for n in names):
            return "fasttile.loaders.torch_file"
        if names and all(n.endswith(".npy") for n in names):
            return "fasttile.loaders.npz"
    return None


def _module_for(path: str) -> str:
    ext = os.path.splitext(path.rstrip("/\\"))[1].lower()
    if ext == ".zarr" or (os.path.isdir(path) and os.path.exists(os.path.join(path, "zarr.json"))):
        return "fasttile.chunked.zarr_loader"
    if os.path.isdir(path):
        return "fasttile.loaders.sharded"  # a Hugging Face model folder
    if ext in _BY_EXTENSION:
        return _BY_EXTENSION[ext]
    sniffed = _sniff(path)
    if sniffed is None:
        raise LoadError(f"{path}: unknown file type {ext or '(no extension)'!r}; fasttile reads {SUPPORTED}")
    return sniffed


def open_source(path: PathLike) -> Source:
    """Open a weight file (headers only) with the loader its extension or content names."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path}")
    name = _module_for(path)
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise LoadError(f"{path}: reading {name.rsplit('.', 1)[-1]} stores is not supported yet") from None
    return module.open_source(path)


def find_key(source: Source, key: str) -> str:
    """The tensor named `key`, or the one whose name ends with `.key` or `/key`
    (checkpoints nest their state dict under prefixes such as `model.`)."""
    if key in source.tensors:
        return key
    suffix = [n for n in source.tensors if n.endswith("." + key) or n.endswith("/" + key)]
    if len(suffix) == 1:
        return suffix[0]
    if len(suffix) > 1:
        raise LoadError(f"{source.path}: {key!r} matches {len(suffix)} tensors ({_few(suffix)}); name one")
    close = difflib.get_close_matches(key, list(source.tensors), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise LoadError(
        f"{source.path} has no tensor {key!r}; {hint}list them with fasttile.keys({source.path!r})"
    )


def _few(names: list[str], limit: int = 4) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def keys(path: PathLike) -> dict[str, TensorInfo]:
    """The tensors in a weight file: {name: TensorInfo(shape, dtype)}, read from the
    file's headers without reading any tensor data (milliseconds for a 10 GB file).

    Reads .npy, .npz, .safetensors, sharded Hugging Face checkpoints (a
    ``*.safetensors.index.json`` or the model folder), PyTorch .pt/.pth/.bin and
    Lightning .ckpt files (state dicts, never unpickling code) and HDF5 / Keras
    .h5/.keras files.
    """
    return dict(open_source(path).tensors)


def load(path: PathLike, key: Optional[str] = None) -> Any:
    """One tensor of a weight file as a read-only NumPy array, memory-mapped where
    the file stores it uncompressed (.npy, stored .npz members, .safetensors,
    contiguous HDF5 datasets, PyTorch zip checkpoints): only what you render is read.

    key: the tensor's name as `fasttile.keys(path)` lists it; a unique suffix after
    a `.` or `/` also works (``"conv1.weight"`` for ``"model.conv1.weight"``). It may
    be omitted when the file holds one tensor. bfloat16 tensors come back as
    ml_dtypes.bfloat16 arrays.
    """
    source = open_source(path)
    if key is None:
        if len(source.tensors) != 1:
            names = list(source.tensors)
            raise LoadError(
                f"{source.path} holds {len(names)} tensors ({_few(names)}); pass key= to choose one"
                if names
                else f"{source.path} holds no tensors"
            )
        key = next(iter(source.tensors))
    return source.read(find_key(source, key))
