"""Deflate from a well-kept fast library, framed so that pieces compress in parallel.

Each piece is compressed on its own into raw deflate blocks ending in a sync flush
(the pigz scheme): concatenated, the pieces form one valid deflate stream, since no
piece refers back into another. The zlib wrapper's Adler-32 is combined from the
pieces' checksums. The library is python-isal (fastest), else zlib-ng, else the
standard library's zlib; all of them release the GIL while they work. Incompressible
pieces are stored: deflate's uncompressed blocks, framed here around views of the
data (zlib at level 0 copies it, at about 0.6 GB/s).
"""

from __future__ import annotations

import struct
import zlib
from types import ModuleType
from typing import Optional

ADLER_BASE = 65521


def _fast_library() -> tuple[ModuleType, str]:
    try:
        from isal import isal_zlib

        return isal_zlib, "isal"
    except ImportError:
        pass
    try:
        from zlib_ng import zlib_ng

        return zlib_ng, "zlib-ng"
    except ImportError:
        return zlib, "zlib"


FAST, FAST_NAME = _fast_library()


def _small_library() -> ModuleType:
    """The best-ratio deflate at level 9 (isal stops at level 3)."""
    try:
        from zlib_ng import zlib_ng

        return zlib_ng
    except ImportError:
        return zlib


def raw_deflate(data, level: str) -> list[bytes]:
    """`data` as raw deflate blocks ending on a byte boundary (sync flush), in pieces
    (joining them would copy the band once more)."""
    if level == "none":
        lib, number = zlib, 0
    elif level == "small":
        lib, number = _small_library(), 9
    else:
        lib, number = FAST, 1
    comp = lib.compressobj(number, lib.DEFLATED, -15)
    return [comp.compress(data), comp.flush(lib.Z_SYNC_FLUSH)]


_STORED_MAX = 65535  # bytes in one stored block


def stored_blocks(data) -> list:
    """C-contiguous `data` as deflate stored blocks (not final, so on a byte boundary
    like a sync-flushed piece): a 5-byte header (BFINAL 0, BTYPE 00, LEN, NLEN) before
    each run of at most 65,535 bytes, the runs being views of `data`, not copies. The
    pieces are valid only while `data` is unchanged."""
    view = memoryview(data).cast("B")
    pieces: list = []
    for start in range(0, len(view), _STORED_MAX):
        n = min(_STORED_MAX, len(view) - start)
        pieces.append(struct.pack("<BHH", 0, n, n ^ 0xFFFF))
        pieces.append(view[start : start + n])
    return pieces


def final_block() -> bytes:
    """An empty last block: closes a stream of sync-flushed pieces."""
    comp = zlib.compressobj(0, zlib.DEFLATED, -15)
    return comp.flush(zlib.Z_FINISH)


def adler32(data, value: int = 1) -> int:
    return FAST.adler32(data, value)


def crc32(data, value: int = 0) -> int:
    return FAST.crc32(data, value)


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """Adler-32 of A + B from those of A and B. With a = 1 + sum of bytes and
    b = sum over bytes of the running a (both mod 65521): a = a1 + a2 - 1 and
    b = b1 + b2 + len(B) * (a1 - 1)."""
    a1, b1 = first & 0xFFFF, first >> 16
    a2, b2 = second & 0xFFFF, second >> 16
    a = (a1 + a2 - 1) % ADLER_BASE
    b = (b1 + b2 + second_length * (a1 - 1)) % ADLER_BASE
    return (b << 16) | a


def zlib_header(level: str) -> bytes:
    """CMF (deflate, 32K window) and FLG with the level hint, checked mod 31."""
    flevel: Optional[int] = {"none": 0, "fast": 0, "small": 3}.get(level, 0)
    cmf = 0x78
    flg = flevel << 6
    flg += (31 - (cmf * 256 + flg) % 31) % 31
    return bytes((cmf, flg))
