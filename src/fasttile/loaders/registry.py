"""Reading weight tensors from files lazily and safely: nothing is ever unpickled.

Each format is a module that registers itself here when imported (Pillow's
`register_open` pattern): its extensions, how it recognises a file by its first bytes
or a folder by its contents, and its `open_source(path) -> Source`. `keys(path)` reads
headers only; `load(path, key)` maps (or, for compressed storage, reads) the one tensor
asked for. The supported list in messages and docs is made from the registrations.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .source import LoadError, PathLike, Source, TensorInfo


@dataclass(frozen=True)
class Format:
    name: str  # "npy"
    open_source: Callable[[str], Source]
    extensions: tuple[str, ...]  # (".npy",): lower case, with the dot
    listed_as: str  # how the supported list names it: ".pt/.pth/.bin/.ckpt"
    sniff: Optional[Callable[[str, bytes], bool]] = None  # (path, first 16 bytes) -> is it mine?
    folder: Optional[Callable[[str], bool]] = None  # a folder (store or model directory) -> is it mine?
    fallback: bool = False  # claims what no other format claims (a bare model folder)


_FORMATS: list[Format] = []


def register(fmt: Format) -> None:
    """Add a format (its module calls this when imported); a later one with the same name replaces it."""
    _FORMATS[:] = [f for f in _FORMATS if f.name != fmt.name] + [fmt]


def supported() -> str:
    """The formats fasttile reads, for messages and help: ".npy, .npz, ..."."""
    return ", ".join(f.listed_as for f in _FORMATS)


def _ordered() -> list[Format]:
    return sorted(_FORMATS, key=lambda f: f.fallback)


def _format_for(path: str) -> Format:
    ext = os.path.splitext(path.rstrip("/\\"))[1].lower()
    if os.path.isdir(path):
        for fmt in _ordered():
            if fmt.folder is not None and fmt.folder(path):
                return fmt
    for fmt in _FORMATS:
        if ext in fmt.extensions:
            return fmt
    with open(path, "rb") as f:
        head = f.read(16)
    for fmt in _ordered():
        if fmt.sniff is not None and fmt.sniff(path, head):
            return fmt
    raise LoadError(f"{path}: unknown file type {ext or '(no extension)'!r}; fasttile reads {supported()}")


def open_source(path: PathLike) -> Source:
    """Open a weight file (headers only) with the format its extension or content names."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path}")
    return _format_for(path).open_source(path)


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
