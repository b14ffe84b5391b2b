""".safetensors files: the 8-byte header length and the JSON header are read and
checked here, and each tensor is memory-mapped from its byte range. Listing a file of
any size reads only its header; bfloat16 and float8 map to ml_dtypes types (the
safetensors NumPy API cannot return them)."""

from __future__ import annotations

import json
import math
import os
import struct
from typing import Any

import numpy as np

from .._extras import require
from .registry import Format, register
from .source import LoadError, Source, TensorInfo

MAX_HEADER = 100_000_000  # the safetensors format's own limit
_NUMPY = {
    "F64": "float64",
    "F32": "float32",
    "F16": "float16",
    "I64": "int64",
    "I32": "int32",
    "I16": "int16",
    "I8": "int8",
    "U64": "uint64",
    "U32": "uint32",
    "U16": "uint16",
    "U8": "uint8",
    "BOOL": "bool",
}
_ML_DTYPES = {"BF16": "bfloat16", "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2"}
_ITEMSIZE = {**{k: np.dtype(v).itemsize for k, v in _NUMPY.items()}, "BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1}


def read_header(path: str) -> tuple[dict, int]:
    """The parsed JSON header and where the data starts, or a one-line LoadError."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) < 8:
            raise LoadError(
                f"{path}: truncated ({size} bytes; a safetensors file starts with 8 length bytes)"
            )
        (length,) = struct.unpack("<Q", raw)
        if length > MAX_HEADER:
            raise LoadError(
                f"{path}: header too large: the first 8 bytes claim a {length:,}-byte header "
                f"(the file has {size:,} bytes); not a safetensors file"
            )
        if 8 + length > size:
            raise LoadError(
                f"{path}: truncated: the header claims {length:,} bytes but the file has {size:,}"
            )
        text = f.read(length)
    try:
        header = json.loads(text) if text.lstrip()[:1] == b"{" else None
    except (ValueError, RecursionError):
        header = None
    if not isinstance(header, dict):
        raise LoadError(f"{path}: not a safetensors file (its header is not a JSON object)")
    return header, 8 + length


def _entry(path: str, name: str, entry: Any, data_size: int) -> tuple[tuple[int, ...], str, int]:
    """(shape, dtype code, start) of one header entry, checked against the file."""
    try:
        code, shape, (begin, end) = entry["dtype"], tuple(entry["shape"]), entry["data_offsets"]
        ok = code in _ITEMSIZE and all(isinstance(n, int) and n >= 0 for n in shape)
        ok = ok and isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise LoadError(f"{path}: damaged safetensors header (entry {name!r}: {str(entry)[:80]})")
    if end - begin != math.prod(shape) * _ITEMSIZE[code]:
        raise LoadError(
            f"{path}: damaged safetensors header ({name!r} {shape} {code} needs {end - begin} bytes)"
        )
    if end > data_size:
        raise LoadError(
            f"{path}: truncated: tensor {name!r} ends at data byte {end:,} but the file holds {data_size:,}"
        )
    return shape, code, begin


def _dtype(code: str, path: str) -> np.dtype:
    if code in _NUMPY:
        return np.dtype(_NUMPY[code])
    ml_dtypes = require("ml_dtypes", "bf16", f"reading {_ML_DTYPES[code]} tensors of {path}")
    return np.dtype(getattr(ml_dtypes, _ML_DTYPES[code]))


class SafetensorsSource(Source):
    def __init__(self, path: str) -> None:
        self.path = path
        header, self._data_start = read_header(path)
        data_size = os.path.getsize(path) - self._data_start
        self._entries = {
            name: _entry(path, name, entry, data_size)
            for name, entry in header.items()
            if name != "__metadata__"
        }
        self.tensors = {
            name: TensorInfo(shape, _NUMPY.get(code) or _ML_DTYPES[code])
            for name, (shape, code, _) in self._entries.items()
        }

    def read(self, name: str) -> Any:
        shape, code, begin = self._entries[name]
        dtype = _dtype(code, self.path)
        if math.prod(shape) == 0:
            return np.empty(shape, dtype)
        return np.memmap(self.path, dtype, "r", offset=self._data_start + begin, shape=shape)


def open_source(path: str) -> Source:
    return SafetensorsSource(path)


register(Format("safetensors", open_source, (".safetensors",), ".safetensors"))
