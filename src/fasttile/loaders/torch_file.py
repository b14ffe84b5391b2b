"""PyTorch .pt/.pth/.bin and Lightning .ckpt files through
`torch.load(weights_only=True, mmap=True)`: tensors stay memory-mapped, nothing but
plain containers and tensors is unpickled. Real checkpoints nest their weights
(Lightning's `state_dict`, `model`, DataParallel's `module.` prefix); the state dict
is found and its names are listed as the model names them."""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._extras import require
from .registry import Format, register
from .source import LoadError, Source, TensorInfo
from .zip_members import ZIP_ERRORS, zip_names

# Keys real checkpoints keep their state dict under (Lightning, timm, fairseq, ...).
_WRAPPERS = ("state_dict", "model_state_dict", "model", "module", "net", "network")
# Prefixes every key carries when a wrapped model was saved (DataParallel, torch.compile).
_SHARED_PREFIXES = ("module.", "_orig_mod.")
_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _check_container(path: str) -> None:
    """A zip with a data.pkl (torch.save since 1.6) or a legacy pickle stream."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
        except ZIP_ERRORS:
            raise LoadError(
                f"{path}: truncated or damaged: its zip directory (at the end) cannot be read"
            ) from None
        if not any(n.endswith("data.pkl") for n in names):
            raise LoadError(f"{path}: not a PyTorch checkpoint (a zip archive without data.pkl)")
    elif not (len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5):
        raise LoadError(f"{path}: not a PyTorch checkpoint (neither a torch.save zip nor a pickle stream)")


def _refusal(path: str, exc: Exception) -> LoadError:
    """torch.load's weights_only refusal in one line: what the file holds instead."""
    text = _ANSI.sub("", str(exc))
    found = _GLOBAL.search(text)
    if found is None:
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        return LoadError(f"{path}: cannot be read as a PyTorch checkpoint ({first[:160]})")
    name = found.group(1)
    if name.startswith("torch.nn.") or "." not in name or name.startswith("__main__."):
        return LoadError(
            f"{path}: holds a whole pickled model ({name}), which fasttile never unpickles; "
            "save model.state_dict() instead"
        )
    return LoadError(
        f"{path}: holds pickled Python objects ({name}), which fasttile never unpickles; "
        "save model.state_dict() (tensors only) instead"
    )


def _load(path: str, torch: Any) -> Any:
    _check_container(path)
    legacy = not zipfile.is_zipfile(path)  # pre-1.6 files cannot be memory-mapped
    try:
        return torch.load(path, map_location="cpu", weights_only=True, mmap=not legacy)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, EOFError, ...
        if isinstance(exc, EOFError) or "EOF" in str(exc) or "failed finding central directory" in str(exc):
            raise LoadError(f"{path}: truncated (the checkpoint ends early)") from None
        raise _refusal(path, exc) from None


def _state_dict(obj: Any, torch: Any) -> Any:
    """Descend through wrapper keys to the mapping that holds the weights."""
    while isinstance(obj, Mapping):
        inner = next((obj[k] for k in _WRAPPERS if isinstance(obj.get(k), Mapping)), None)
        if inner is None or not _holds_tensors(inner, torch):
            return obj
        obj = inner
    return obj


def _holds_tensors(obj: Any, torch: Any) -> bool:
    if isinstance(obj, torch.Tensor):
        return True
    if isinstance(obj, Mapping):
        return any(_holds_tensors(v, torch) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return any(_holds_tensors(v, torch) for v in obj)
    return False


def _flatten(prefix: str, obj: Any, out: dict, torch: Any) -> None:
    if isinstance(obj, torch.Tensor):
        out[prefix] = obj
    elif isinstance(obj, Mapping):
        for k, v in obj.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out, torch)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _flatten(f"{prefix}.{i}" if prefix else str(i), v, out, torch)


def _strip_shared_prefix(tensors: dict) -> dict:
    for prefix in _SHARED_PREFIXES:
        if tensors and all(k.startswith(prefix) for k in tensors):
            tensors = {k[len(prefix) :]: v for k, v in tensors.items()}
    return tensors


def _dtype_name(t: Any) -> str:
    return str(t.dtype).replace("torch.", "")


class TorchSource(Source):
    def __init__(self, path: str) -> None:
        self.path = path
        self._torch = require("torch", "torch", f"reading the PyTorch checkpoint {path}")
        root = _state_dict(_load(path, self._torch), self._torch)
        flat: dict = {}
        _flatten("", root, flat, self._torch)
        if "" in flat:  # torch.save(tensor): one unnamed tensor, named after the file
            flat[os.path.splitext(os.path.basename(path))[0]] = flat.pop("")
        self._tensors = _strip_shared_prefix(flat)
        self.tensors = {k: TensorInfo(tuple(t.shape), _dtype_name(t)) for k, t in self._tensors.items()}

    def read(self, name: str) -> Any:
        t = self._tensors[name].detach()
        if t.dtype == self._torch.bfloat16:
            ml_dtypes = require("ml_dtypes", "bf16", f"reading bfloat16 tensors of {self.path}")
            arr = t.view(self._torch.int16).numpy().view(ml_dtypes.bfloat16)
        else:
            try:
                arr = t.numpy()
            except (TypeError, RuntimeError) as exc:
                raise TypeError(
                    f"{self.path}: tensor {name!r} has dtype {t.dtype}, which NumPy cannot hold"
                ) from exc
        arr = arr.view()
        arr.flags.writeable = False  # the checkpoint's memory, never written
        return arr if isinstance(arr, np.ndarray) else np.asarray(arr)


def open_source(path: str) -> Source:
    return TorchSource(path)


def _is_torch_zip(path: str, head: bytes) -> bool:
    return any(n.endswith("data.pkl") for n in zip_names(path, head) or ())


register(
    Format("torch", open_source, (".pt", ".pth", ".bin", ".ckpt"), ".pt/.pth/.bin/.ckpt", sniff=_is_torch_zip)
)
