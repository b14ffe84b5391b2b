""".npz archives, one member at a time: stored members (np.savez) are memory-mapped
in place; deflated ones (np.savez_compressed) are decompressed alone when asked for.
Listing reads only each member's .npy header."""

from __future__ import annotations

import os
import zipfile
from typing import Any

import numpy as np

from . import npy as _load_npy
from .registry import Format, register
from .source import LoadError, Source, TensorInfo
from .zip_members import ZIP_ERRORS, check_member, data_offset, open_zip, zip_names


class NpzSource(Source):
    def __init__(self, path: str) -> None:
        self.path = path
        self._size = os.path.getsize(path)
        self._members: dict[str, tuple[zipfile.ZipInfo, _load_npy.NpyHeader, int]] = {}
        with open_zip(path, "an .npz archive") as archive, open(path, "rb") as raw:
            for info in archive.infolist():
                if info.filename.endswith(".npy"):
                    name = info.filename[: -len(".npy")]
                    self._members[name] = self._inspect(archive, raw, info)
        self.tensors = {n: TensorInfo(h.shape, h.dtype.name) for n, (_, h, _) in self._members.items()}

    def _inspect(
        self, archive: zipfile.ZipFile, raw: Any, info: zipfile.ZipInfo
    ) -> tuple[zipfile.ZipInfo, _load_npy.NpyHeader, int]:
        where = f"{self.path} (member {info.filename!r})"
        check_member(info, where, self._size)
        start = data_offset(raw, info, where)
        if info.compress_type == zipfile.ZIP_STORED:
            raw.seek(start)
            header = _load_npy.read_header(raw, where, info.file_size)
        else:
            try:
                with archive.open(info) as member:  # decompresses the first block only
                    header = _load_npy.read_header(member, where, info.file_size)
            except ZIP_ERRORS as exc:
                raise LoadError(f"{where}: damaged compressed data ({exc})") from None
        _load_npy.check_size(header, where, info.file_size)
        return info, header, start

    def read(self, name: str) -> Any:
        info, header, start = self._members[name]
        if info.compress_type == zipfile.ZIP_STORED:
            return _load_npy.memmap(self.path, header, base=start)
        where = f"{self.path} (member {info.filename!r})"
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(info) as member:
                member.seek(header.data_offset)
                data = member.read(header.nbytes)
        except ZIP_ERRORS as exc:
            raise LoadError(f"{where}: damaged compressed data ({exc})") from None
        if len(data) != header.nbytes:
            raise LoadError(f"{where}: truncated: the compressed data ends early")
        order = "F" if header.fortran_order else "C"
        arr = np.frombuffer(data, header.dtype).reshape(header.shape, order=order)
        return arr


def open_source(path: str) -> Source:
    return NpzSource(path)


def _is_npz(path: str, head: bytes) -> bool:
    names = zip_names(path, head)
    return bool(names) and all(n.endswith(".npy") for n in names)


register(Format("npz", open_source, (".npz",), ".npz", sniff=_is_npz))
