"""Reading weight tensors from files, safely: nothing is ever unpickled.

Every loader returns {name: array-like} and the layout its framework uses for 2-D
and 4-D kernels (Keras stores conv kernels HWIO and dense kernels (in, out)).
"""

from __future__ import annotations

import io
import os
import zipfile
from typing import Any


class LoadError(Exception):
    """A one-line, user-facing reason a file cannot be read."""


def _need(module: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise LoadError(
            f"reading this file needs the optional package {extra!r}: pip install {extra}"
        ) from None


_PICKLE_REFUSED = "holds pickled Python objects, which fasttile never loads (files are untrusted)"


def _numpy_error(path: str, exc: Exception) -> LoadError:
    text = str(exc)
    if "allow_pickle" in text or "Python objects" in text:
        return LoadError(f"{path}: {_PICKLE_REFUSED}")
    return LoadError(f"{path}: {text}")


def _npy(path: str) -> dict:
    import numpy as np

    try:
        return {os.path.basename(path): np.load(path, mmap_mode="r", allow_pickle=False)}
    except ValueError as exc:
        raise _numpy_error(path, exc) from None


def _npz(path: str) -> dict:
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as archive:
            return {k: archive[k] for k in archive.files}
    except ValueError as exc:
        raise _numpy_error(path, exc) from None


def _safetensors(path: str) -> dict:
    st = _need("safetensors", "safetensors")
    try:
        with st.safe_open(path, framework="numpy") as f:
            return {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:  # the reader raises its own error types
        raise LoadError(f"{path}: {exc}") from None


def _flatten(prefix: str, obj: Any, out: dict, torch: Any) -> None:
    if isinstance(obj, torch.Tensor):
        out[prefix] = obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out, torch)


def _torch(path: str) -> dict:
    torch = _need("torch", "torch")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)  # never unpickles code
    except Exception as exc:
        raise LoadError(
            f"{path}: cannot be read as a PyTorch state dict ({str(exc).splitlines()[0]})"
        ) from None
    tensors: dict = {}
    _flatten("", obj, tensors, torch)
    return tensors


def _keras(path: str) -> dict:
    h5py = _need("h5py", "h5py")
    source: Any = path
    if zipfile.is_zipfile(path):  # .keras: a zip holding model.weights.h5
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.endswith(".h5")]
            if not names:
                raise LoadError(f"{path}: no .h5 weights inside this .keras archive")
            source = io.BytesIO(z.read(names[0]))
    tensors: dict = {}
    try:
        with h5py.File(source, "r") as f:
            f.visititems(
                lambda name, obj: (
                    tensors.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None
                )
            )
    except OSError as exc:
        raise LoadError(f"{path}: {exc}") from None
    return tensors


LOADERS = {
    ".npy": (_npy, {}),
    ".npz": (_npz, {}),
    ".safetensors": (_safetensors, {}),
    ".pt": (_torch, {}),
    ".pth": (_torch, {}),
    ".bin": (_torch, {}),
    ".h5": (_keras, {2: "cols", 4: "hwio"}),
    ".keras": (_keras, {2: "cols", 4: "hwio"}),
}


def load(path: str) -> tuple[dict, dict]:
    """({name: tensor}, {ndim: layout}) for a weight file."""
    if not os.path.exists(path):
        raise LoadError(f"no such file: {path}")
    ext = os.path.splitext(path)[1].lower()
    if ext not in LOADERS:
        raise LoadError(f"{path}: unknown file type {ext!r}; fasttile reads {', '.join(LOADERS)}")
    loader, layouts = LOADERS[ext]
    return loader(path), layouts
