"""Zip archives (.npz, .keras) read member by member: stored members are located in
the archive so they can be memory-mapped; sizes are checked before anything is
decompressed, so a damaged or hostile archive is refused instead of filling memory."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from typing import Optional

from .source import LoadError

LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature ... file name length, extra length
DEFLATE_MAX_RATIO = 1032  # deflate cannot expand one byte into more than ~1032
# what zipfile raises on a damaged archive (a bad name encoding is a ValueError, an
# unknown version a NotImplementedError)
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError)


def open_zip(path: str, kind: str) -> zipfile.ZipFile:
    """The archive, or a one-line LoadError: not a zip at all, or a zip cut short."""
    with open(path, "rb") as f:
        head = f.read(4)
    try:
        return zipfile.ZipFile(path)
    except ZIP_ERRORS:
        pass
    if head == b"PK\x03\x04":
        raise LoadError(
            f"{path}: truncated: a zip archive whose directory (at its end) is missing or damaged"
        )
    raise LoadError(f"{path}: not {kind} (a zip archive); it does not start with a zip signature")


def check_member(info: zipfile.ZipInfo, where: str, archive_size: int) -> None:
    """Refuse members whose stated sizes cannot be true, before reading them."""
    if info.flag_bits & 0x1:
        raise LoadError(f"{where}: the member is encrypted")
    if not 0 <= info.header_offset <= archive_size or info.header_offset + info.compress_size > archive_size:
        raise LoadError(f"{where}: truncated: the member runs past the end of the archive")
    if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
        raise LoadError(f"{where}: damaged zip entry (stored member with two different sizes)")
    deflate_limit = DEFLATE_MAX_RATIO * info.compress_size + (1 << 16)
    if info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > deflate_limit:
        raise LoadError(
            f"{where}: the member claims {info.file_size:,} bytes from {info.compress_size:,} deflated "
            "bytes, more than deflate can produce (a damaged archive or a zip bomb)"
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise LoadError(f"{where}: unsupported zip compression method {info.compress_type}")


def data_offset(f: io.BufferedReader, info: zipfile.ZipInfo, where: str) -> int:
    """Where a member's bytes start in the archive (after its local header)."""
    f.seek(info.header_offset)
    raw = f.read(LOCAL_HEADER.size)
    if len(raw) < LOCAL_HEADER.size:
        raise LoadError(f"{where}: truncated: the member's header is cut off")
    fields = LOCAL_HEADER.unpack(raw)
    if fields[0] != b"PK\x03\x04":
        raise LoadError(f"{where}: damaged zip archive (no member header where the directory says)")
    return info.header_offset + LOCAL_HEADER.size + fields[-2] + fields[-1]


class Window(io.RawIOBase):
    """A read-only, seekable file over bytes [start, start + size) of another file:
    a stored zip member opened in place (h5py reads .keras weights through it)."""

    def __init__(self, path: str, start: int, size: int) -> None:
        super().__init__()
        self._f = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._start, self._size, self._pos = start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = max(0, min(len(buffer), self._size - self._pos))
        self._f.seek(self._start + self._pos)
        got = self._f.readinto(memoryview(buffer)[:n])
        self._pos += got or 0
        return got or 0

    def close(self) -> None:
        self._f.close()
        super().close()


def zip_names(path: str, head: bytes) -> Optional[list[str]]:
    """The member names of a zip archive (for recognising .npz and torch checkpoints
    saved under other extensions), or None when the file is no readable zip."""
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(path) as z:
            return z.namelist()
    except ZIP_ERRORS:
        return None
