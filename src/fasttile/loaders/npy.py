""".npy files: the header parsed here (bounded, checked against the bytes that follow),
the data memory-mapped. Object arrays are refused, never unpickled."""

from __future__ import annotations

import ast
import math
import os
import struct
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from .registry import Format, register
from .source import LoadError, Source, TensorInfo

MAGIC = b"\x93NUMPY"
MAX_HEADER = 1 << 20  # NumPy writes a few hundred bytes; more is a damaged or hostile file
PICKLED = "holds pickled Python objects (dtype object), which fasttile never unpickles (files are untrusted)"


@dataclass(frozen=True)
class NpyHeader:
    dtype: np.dtype
    shape: tuple[int, ...]
    fortran_order: bool
    data_offset: int  # bytes from the start of the .npy stream to the data

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def read_header(f: IO[bytes], where: str, available: int) -> NpyHeader:
    """Parse an .npy header from `f` (at its start). `where` names the file (and
    member) in messages; `available` is how many bytes the .npy stream holds."""
    prefix = f.read(8)
    if not prefix.startswith(MAGIC):
        if len(prefix) < 8 and MAGIC[: len(prefix)] == prefix[:6]:
            raise LoadError(f"{where}: truncated ({available} bytes, shorter than an .npy header)")
        raise LoadError(f"{where}: not an .npy file (it does not start with the NumPy magic \\x93NUMPY)")
    major = prefix[6]
    if major not in (1, 2, 3):
        raise LoadError(f"{where}: unknown .npy format version {major}.{prefix[7]}")
    size_bytes = 2 if major == 1 else 4
    raw = f.read(size_bytes)
    if len(raw) < size_bytes:
        raise LoadError(f"{where}: truncated ({available} bytes, shorter than an .npy header)")
    (length,) = struct.unpack("<H" if major == 1 else "<I", raw)
    start = 8 + size_bytes
    if length > MAX_HEADER:
        raise LoadError(f"{where}: header too large ({length} bytes claimed; .npy headers are a few hundred)")
    if start + length > available:
        raise LoadError(f"{where}: truncated (the header claims {length} bytes but the file ends first)")
    text = f.read(length).decode("utf-8" if major == 3 else "latin1", errors="replace")
    return _parse_header(text, where, start + length)


def _parse_header(text: str, where: str, data_offset: int) -> NpyHeader:
    try:
        d = ast.literal_eval(text.strip())  # a dict literal; literal_eval runs no code
        descr, fortran, shape = d["descr"], d["fortran_order"], d["shape"]
    except (ValueError, SyntaxError, KeyError, TypeError, MemoryError, RecursionError):
        raise LoadError(f"{where}: damaged .npy header (not a descr / fortran_order / shape dict)") from None
    if not (isinstance(shape, tuple) and all(isinstance(n, int) and n >= 0 for n in shape)):
        raise LoadError(f"{where}: damaged .npy header (shape {shape!r})")
    try:
        dtype = np.lib.format.descr_to_dtype(descr)
    except (ValueError, TypeError):
        raise LoadError(f"{where}: damaged .npy header (dtype {descr!r})") from None
    if dtype.hasobject:
        raise LoadError(f"{where}: {PICKLED}")
    return NpyHeader(dtype, shape, bool(fortran), data_offset)


def check_size(header: NpyHeader, where: str, available: int) -> None:
    """The data the header describes must lie inside the stream."""
    end = header.data_offset + header.nbytes
    if end > available:
        raise LoadError(
            f"{where}: truncated: the header describes a {header.shape} {header.dtype} array "
            f"({header.nbytes:,} bytes) but only {max(available - header.data_offset, 0):,} bytes follow it"
        )


def memmap(path: str, header: NpyHeader, base: int = 0) -> np.ndarray:
    """The data of an .npy stream starting `base` bytes into `path`, read-only."""
    if header.nbytes == 0:
        return np.empty(header.shape, header.dtype)
    order = "F" if header.fortran_order else "C"
    return np.memmap(
        path, header.dtype, "r", offset=base + header.data_offset, shape=header.shape, order=order
    )


class NpySource(Source):
    def __init__(self, path: str) -> None:
        self.path = path
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            self.header = read_header(f, path, size)
        check_size(self.header, path, size)
        name = os.path.splitext(os.path.basename(path))[0]
        self.tensors = {name: TensorInfo(self.header.shape, self.header.dtype.name)}

    def read(self, name: str) -> Any:
        return memmap(self.path, self.header)


def open_source(path: str) -> Source:
    return NpySource(path)


register(Format("npy", open_source, (".npy",), ".npy", sniff=lambda path, head: head.startswith(MAGIC)))
