"""HDF5 files and Keras .h5 / .keras models through h5py, lazily: listing walks the
datasets' metadata; reading memory-maps a contiguous uncompressed dataset or reads
that one dataset. A .keras archive's model.weights.h5 is opened in place when
stored, as Keras stores it (a deflated one is decompressed into memory).

Keras kernels keep Keras's layout (conv HWIO, dense (in, out)); any other HDF5 file
gets fasttile's ndim defaults."""

from __future__ import annotations

import contextlib
import io
import os
import zipfile
from collections.abc import Iterator
from typing import Any, Optional

import numpy as np

from .._extras import require
from .registry import Format, register
from .source import LoadError, Source, TensorInfo
from .zip_members import Window, check_member, data_offset, open_zip

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
KERAS_LAYOUTS = {2: "cols", 4: "hwio"}
_KERAS_ATTRS = ("keras_version", "model_config", "backend", "layer_names")


def _is_keras(f: Any, path: str) -> bool:
    """Keras legacy .h5 files carry keras_version / model_config attributes; Keras 3
    weights files (model.weights.h5) keep variables under layers/<name>/vars/<i>."""
    if path.endswith(".keras"):
        return True
    if any(a in f.attrs for a in _KERAS_ATTRS):
        return True
    weights = f.get("model_weights")
    if weights is not None and any(a in weights.attrs for a in _KERAS_ATTRS):
        return True
    return "layers" in f and "vars" in f


class Hdf5Source(Source):
    def __init__(self, path: str) -> None:
        self.path = path
        self._h5py = require("h5py", "keras", f"reading the HDF5 file {path}")
        self._inflated: Optional[bytes] = None  # a deflated .keras member, decompressed
        self._base, self._size = self._locate()
        self._datasets: dict[str, tuple[Optional[int], np.dtype]] = {}
        self.tensors = {}
        with self._open() as f, self._damaged("its structure"):
            f.visititems(self._visit)
            keras = _is_keras(f, path)
        self.layouts = dict(KERAS_LAYOUTS) if keras else {}
        self.framework = "Keras" if keras else ""

    def _locate(self) -> tuple[int, int]:
        """(offset, size) of the HDF5 bytes: the whole file, or a stored .keras member."""
        with open(self.path, "rb") as f:
            head = f.read(8)
        if head == HDF5_MAGIC:
            return 0, os.path.getsize(self.path)
        if not head.startswith(b"PK"):
            raise LoadError(f"{self.path}: not an HDF5 file (it does not start with the HDF5 signature)")
        with open_zip(self.path, "a .keras archive") as z:
            members = [i for i in z.infolist() if i.filename.endswith(".h5")]
            if not members:
                raise LoadError(f"{self.path}: a zip archive without .h5 weights (not a .keras model)")
            info = members[0]
            where = f"{self.path} (member {info.filename!r})"
            check_member(info, where, os.path.getsize(self.path))
            if info.compress_type != zipfile.ZIP_STORED:  # not how Keras writes them: read whole
                with z.open(info) as member:
                    self._inflated = member.read()
                return 0, len(self._inflated)
            with open(self.path, "rb") as raw:
                return data_offset(raw, info, where), info.file_size

    @contextlib.contextmanager
    def _open(self) -> Iterator[Any]:
        with contextlib.ExitStack() as stack:
            source: Any = self.path
            if self._inflated is not None:
                source = io.BytesIO(self._inflated)
            elif self._base:
                source = stack.enter_context(Window(self.path, self._base, self._size))
            try:
                f = stack.enter_context(self._h5py.File(source, "r"))
            except OSError as exc:
                text = str(exc).split("(")[0].strip() or "unreadable"
                raise LoadError(f"{self.path}: truncated or damaged HDF5 file ({text})") from None
            yield f

    @contextlib.contextmanager
    def _damaged(self, what: str) -> Iterator[None]:
        """HDF5's errors for a damaged file (RuntimeError, OSError, ...) as one line."""
        try:
            yield
        except (RuntimeError, OSError, KeyError, ValueError) as exc:
            text = str(exc).split("(")[-1].rstrip(")").strip() or type(exc).__name__
            raise LoadError(f"{self.path}: damaged HDF5 file: cannot read {what} ({text})") from None

    def _visit(self, name: str, obj: Any) -> None:
        if not isinstance(obj, self._h5py.Dataset) or obj.dtype.kind not in "fiub":
            return
        contiguous = obj.chunks is None and obj.compression is None and not obj.external
        offset = obj.id.get_offset() if contiguous else None
        self._datasets[name] = (offset, obj.dtype)
        self.tensors[name] = TensorInfo(tuple(obj.shape), obj.dtype.name)

    def read(self, name: str) -> Any:
        offset, dtype = self._datasets[name]
        shape = self.tensors[name].shape
        if offset is not None and self._inflated is None and int(np.prod(shape)) > 0:
            return np.memmap(self.path, dtype, "r", offset=self._base + offset, shape=shape)
        with self._open() as f, self._damaged(f"dataset {name!r}"):
            arr = f[name][()]  # this dataset only
        arr.flags.writeable = False
        return arr


def open_source(path: str) -> Source:
    return Hdf5Source(path)


HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
register(
    Format(
        "hdf5",
        open_source,
        (".h5", ".hdf5", ".keras"),
        ".h5/.keras",
        sniff=lambda path, head: head.startswith(HDF5_MAGIC),
    )
)
