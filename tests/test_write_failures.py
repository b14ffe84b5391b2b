"""A write that fails or is interrupted never leaves a truncated file under the
target's name, and never replaces a good file with a broken one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import numpy as np
import pytest
from PIL import Image

import fasttile

BANK = np.random.default_rng(0).standard_normal((400, 3, 8, 8)).astype(np.float32)
FORMATS = ["png", "tif", "npy"]


def entries(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def writer_threads() -> list[str]:
    """Threads the writers start (file sink, encoders, prefetch): all gone after a save."""
    return [t.name for t in threading.enumerate() if t.name.startswith("fasttile-")]


def good_file(folder, fmt):
    path = folder / f"m.{fmt}"
    fasttile.save(BANK[:10], path)
    return path, path.read_bytes()


class Boom(Exception):
    pass


def raise_midway(exc):
    def progress(done, total):
        if done > total // 3:
            raise exc

    return progress


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("exc", [Boom("disk on fire"), KeyboardInterrupt()])
def test_an_exception_midway_keeps_the_old_file(tmp_path, fmt, exc):
    path, before = good_file(tmp_path, fmt)
    with pytest.raises(type(exc)):
        fasttile.save(BANK, path, rows=1, progress=raise_midway(exc))
    assert path.read_bytes() == before
    assert entries(tmp_path) == [path.name]  # no temporary left behind
    assert writer_threads() == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_exception_midway_leaves_no_file(tmp_path, fmt):
    with pytest.raises(Boom):
        fasttile.save(BANK, tmp_path / f"m.{fmt}", rows=1, progress=raise_midway(Boom()))
    assert entries(tmp_path) == []


def test_nonfinite_values_found_midway_leave_no_file(tmp_path):
    bank = BANK.copy()
    bank[-1, 0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        fasttile.save(bank, tmp_path / "m.png", rows=1)
    assert entries(tmp_path) == []


@pytest.fixture
def small_tmpfs(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


@pytest.mark.parametrize("fmt", ["png", "tif"])
def test_disk_full(small_tmpfs, fmt):
    path, before = good_file(small_tmpfs, fmt)
    big = np.random.default_rng(1).standard_normal((1000, 3, 16, 16)).astype(np.float32)  # ~0.9 MB
    with pytest.raises(OSError) as info:
        fasttile.save(big, path, rows=2)
    # ENOSPC from our own writes; tifffile reports a short write in its own words
    assert info.value.errno == 28 or "written" in str(info.value)
    assert writer_threads() == []
    assert path.read_bytes() == before
    assert entries(small_tmpfs) == [path.name]


def test_disk_full_simulated_for_npy(tmp_path, monkeypatch):
    # a memory map cannot report ENOSPC as an exception; the file is sized up front
    # (np.lib.format.open_memmap), so a full disk fails there, before any rendering
    path, before = good_file(tmp_path, "npy")

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np.lib.format, "open_memmap", full)
    with pytest.raises(OSError, match="No space left"):
        fasttile.save(BANK, path)
    assert path.read_bytes() == before and entries(tmp_path) == [path.name]


def test_kill_9_midway_never_leaves_a_partial_file_under_the_name(tmp_path):
    marker = tmp_path / f"started-{uuid.uuid4().hex}"
    script = textwrap.dedent(
        f"""
        import numpy as np, fasttile, pathlib, time
        bank = np.random.default_rng(0).standard_normal((3000, 3, 16, 16)).astype(np.float32)
        def slow(done, total):
            pathlib.Path({str(marker)!r}).touch()
            time.sleep(0.05)
        fasttile.save(bank, {str(tmp_path / "m.png")!r}, rows=1, progress=slow)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 60
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert child.poll() is None, "the writer finished before it could be killed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    names = entries(tmp_path)
    assert "m.png" not in names
    partial = [n for n in names if n.endswith(".fasttile-partial")]
    assert partial and all(n.startswith(".m.png.") for n in partial)  # hidden, and says what it is
    # a rerun replaces nothing it should not, and produces the whole file
    small = np.random.default_rng(1).standard_normal((30, 48)).astype(np.float32)
    fasttile.save(small, tmp_path / "m.png")
    with Image.open(tmp_path / "m.png") as im:
        assert np.array_equal(np.asarray(im), fasttile.render(small))


def test_written_files_get_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        fasttile.save(BANK[:4], tmp_path / "m.png")
    finally:
        os.umask(old)
    assert (tmp_path / "m.png").stat().st_mode & 0o777 == 0o644


def test_a_folder_that_cannot_be_moved_in_keeps_the_old_one(tmp_path, monkeypatch):
    from fasttile import _atomic

    target = tmp_path / "site"
    target.mkdir()
    (target / "old.txt").write_text("previous pyramid")
    real_replace = os.replace

    def failing(src, dst):
        if str(src).endswith(".fasttile-partial"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(_atomic.os, "replace", failing)
    with pytest.raises(OSError, match="No space"):
        with _atomic.atomic_path(target, directory=True) as temp:
            (temp / "new.txt").write_text("new")
    assert (target / "old.txt").read_text() == "previous pyramid"
    assert entries(tmp_path) == ["site"]
