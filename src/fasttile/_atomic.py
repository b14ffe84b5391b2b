"""Writes that are all or nothing: a file appears under its name only when complete.

Every writer writes to a temporary name in the target's folder (same filesystem,
so the final rename is atomic) and renames it into place after an fsync. A disk-full
error, an exception, Ctrl-C or a killed process leaves the target as it was: absent,
or the previous good file. A killed process can leave the hidden temporary behind;
its name says what it is.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]


def _temporary_name(target: Path, directory: bool) -> Path:
    """A fresh hidden name beside the target, with the permissions a plain open() or
    mkdir() would give (tempfile makes them private to the owner)."""
    maker = tempfile.mkdtemp if directory else tempfile.mkstemp
    made = maker(prefix=f".{target.name}.", suffix=".fasttile-partial", dir=target.parent)
    if not directory:
        os.close(made[0])
        made = made[1]
    os.chmod(made, (0o777 if directory else 0o666) & ~_umask())
    return Path(made)


def _umask() -> int:
    """The process umask, read without changing it where Linux allows (setting it to
    read it back would race with other threads creating files)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:  # pragma: no cover - not Linux
        pass
    mask = os.umask(0)  # pragma: no cover
    os.umask(mask)  # pragma: no cover
    return mask  # pragma: no cover


@contextlib.contextmanager
def atomic_path(path: PathLike, *, directory: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on any
    exception (KeyboardInterrupt included) it is removed and `path` is untouched.
    With directory=True the temporary is a folder (zarr stores, pyramids) and an
    existing folder at `path` is replaced only once the new one is complete."""
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot write {target}: folder {target.parent} does not exist")
    try:
        temp = _temporary_name(target, directory)
    except OSError as exc:  # name the target, not the hidden temporary beside it
        raise type(exc)(exc.errno, f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        yield temp
        if not directory:
            _fsync(temp)
        _replace(temp, target, directory)
    except BaseException:
        _remove(temp, directory)
        raise


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(temp: Path, target: Path, directory: bool) -> None:
    if directory and target.is_dir():
        # A folder cannot replace a folder in one rename: move the old one aside, put the
        # new one in place, and put the old one back if that fails.
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".fasttile-old", dir=target.parent))
        os.replace(target, old / "previous")
        try:
            os.replace(temp, target)
        except BaseException:
            os.replace(old / "previous", target)
            shutil.rmtree(old, ignore_errors=True)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(temp, target)


def _remove(temp: Path, directory: bool) -> None:
    with contextlib.suppress(OSError):
        if directory:
            shutil.rmtree(temp)
        else:
            temp.unlink()
