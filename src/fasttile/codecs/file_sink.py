"""Write at the disk's pace: pieces go to the file on a thread of their own, in order,
and the disk starts writing them back while the next bands are still being drawn.

A streaming writer hands each finished band (a list of buffers: headers, deflate
blocks, views of the band) to a FileSink and goes on drawing. The sink's thread
copies them into the page cache with os.writev (no joining copy) and, every few
megabytes, asks the kernel to start writing that range to disk without waiting for
it: sync_file_range(SYNC_FILE_RANGE_WRITE) on Linux, called through ctypes since the
os module lacks it. (posix_fadvise(POSIX_FADV_DONTNEED) would start it too, but it
drains the page lists of every CPU on each call, which a loaded machine makes slow.)
So the fsync that makes the finished file durable (see _atomic.py) finds little left
to do, instead of the whole file. After a band is written, its `then` callback runs
on the sink's thread: it recycles the band's buffer, which the pieces were views of.

A file object without a descriptor (io.BytesIO) is written in the caller's thread.
An error on the sink's thread (disk full) is raised in the caller's thread at its
next write or at close; later pieces are dropped, their callbacks still run.
"""

from __future__ import annotations

import ctypes
import io
import os
import queue
import sys
import threading
from typing import Any, BinaryIO, Callable, Optional

_WRITEBACK_BYTES = 16 << 20  # start the disk on every 16 MB written
_BATCH = 1024  # buffers per writev (IOV_MAX is 1024 on Linux)

_SYNC_FILE_RANGE_WRITE = 2  # linux/fs.h


def _sync_file_range() -> Optional[Callable[..., int]]:
    """libc's sync_file_range, or None where there is none (not Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        call = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (AttributeError, OSError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    call.restype = ctypes.c_int
    return call


_START_WRITEBACK = _sync_file_range()

Then = Optional[Callable[[], Any]]


def _descriptor(f: BinaryIO) -> Optional[int]:
    try:
        return f.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def write_pieces(fd: int, pieces: list) -> int:
    """All `pieces` in order through os.writev, resuming after short writes; the bytes written."""
    views = [memoryview(p).cast("B") for p in pieces]
    total = i = 0
    while i < len(views):
        written = os.writev(fd, views[i : i + _BATCH])
        total += written
        while i < len(views) and written >= len(views[i]):
            written -= len(views[i])
            i += 1
        if written:
            views[i] = views[i][written:]
    return total


class Writeback:
    """Starts the disk on each _WRITEBACK_BYTES a writer has written (see above)."""

    def __init__(self, fd: int, offset: int = 0):
        self._fd = fd
        self._started = offset  # writeback asked for up to here

    def advance(self, offset: int) -> None:
        """The file is written up to `offset`."""
        if _START_WRITEBACK is None or offset - self._started < _WRITEBACK_BYTES:
            return
        # a file system without it returns an error: the final fsync then does it all
        _START_WRITEBACK(self._fd, self._started, offset - self._started, _SYNC_FILE_RANGE_WRITE)
        self._started = offset


class FileSink:
    """Ordered background writes to `f` (flushed first: the sink owns the file until
    close). Use as a context manager; `write(pieces, then)` returns at once while at
    most `depth` writes wait."""

    def __init__(self, f: BinaryIO, depth: int = 4):
        self._file = f
        self._fd = _descriptor(f)
        self._error: Optional[BaseException] = None
        self._thread: Optional[threading.Thread] = None
        if self._fd is None:
            return
        f.flush()
        self._offset = os.lseek(self._fd, 0, os.SEEK_CUR)
        self._writeback = Writeback(self._fd, self._offset)
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._run, name="fasttile-file-sink", daemon=True)
        self._thread.start()

    def write(self, pieces: list, then: Then = None) -> None:
        if self._thread is None:  # no descriptor: write here
            for piece in pieces:
                self._file.write(piece)
            if then is not None:
                then()
            return
        self._raise_error()
        self._queue.put((pieces, then))

    def close(self) -> None:
        """Wait for every write; raise the first error any of them met."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._raise_error()

    def __enter__(self) -> FileSink:
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None:
            self.close()
            return
        try:  # already failing: stop the thread, keep the first exception
            self.close()
        except Exception:
            pass

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        while True:
            entry = self._queue.get()
            if entry is None:
                return
            pieces, then = entry
            try:
                if self._error is None:
                    self._offset += write_pieces(self._fd, pieces)
                    self._writeback.advance(self._offset)
            except BaseException as error:  # kept for the caller's thread
                self._error = error
            finally:
                if then is not None:
                    then()
