"""Bringing the caller's weights into NumPy without copying them.

Accepts ndarrays and memmaps, torch tensors (detached, bfloat16 reinterpreted as
raw bits), jax arrays, and anything with ``__dlpack__`` or ``__array__``. Returns the
array and the kernel's element-type name; bfloat16 travels as its uint16 bits.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

_FLOAT_NAMES = {2: "float16", 4: "float32", 8: "float64"}
_INT_NAMES = {1: "int8", 2: "int16", 4: "int32", 8: "int64"}
_UINT_NAMES = {1: "uint8", 2: "uint16", 4: "uint32", 8: "uint64"}


def _from_torch(tensor: Any) -> tuple[np.ndarray, str | None]:
    import torch

    if isinstance(tensor, torch.nn.Module):  # render(model.conv1): its filters are meant
        tensor = _module_weight(tensor)
    t = tensor.detach()
    if t.device.type != "cpu":
        warnings.warn(
            f"fasttile: copying a {t.device.type} tensor to the host to render it",
            RuntimeWarning,
            stacklevel=4,
        )
        t = t.cpu()
    if t.is_complex():
        raise TypeError(f"weights have dtype {t.dtype}; complex tensors cannot be rendered")
    t = t.resolve_neg().resolve_conj()
    if t.dtype == torch.bfloat16:
        # NumPy has no bfloat16: hand the kernel the raw bits, no upcast copy.
        return t.view(torch.int16).numpy().view(np.uint16), "bfloat16"
    return t.numpy(), None


def _module_weight(module: Any) -> Any:
    """A layer's `.weight` tensor; any other module names its parameters to pass instead."""
    import torch

    weight = getattr(module, "weight", None)
    if isinstance(weight, torch.Tensor):
        return weight
    names = [name for name, _ in module.named_parameters()][:6]
    listed = ", ".join("." + n for n in names)
    hint = f"pass one of its tensors, e.g. {listed}" if names else "it has no weights"
    raise TypeError(f"a {type(module).__name__} module has no .weight tensor to render: {hint}")


def as_weights(weights: Any) -> tuple[np.ndarray, str]:
    """The weights as an ndarray over the caller's memory, and the element type."""
    root = type(weights).__module__.split(".")[0]
    forced: str | None = None
    if isinstance(weights, np.ndarray):
        arr = weights
    elif root == "torch":
        arr, forced = _from_torch(weights)
    elif hasattr(weights, "__dlpack__") and not hasattr(weights, "__array__"):
        arr = np.from_dlpack(weights)
    else:
        try:
            arr = np.asarray(weights)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(f"weights of type {type(weights).__name__} cannot be viewed as an array") from exc
    if forced:
        return arr, forced
    return arr, element_type(arr)


# dtype -> kernel element type, for the supported dtypes: reading dtype.name costs
# more than a small render's kernel call.
_element_types: dict[np.dtype, str] = {}


def element_type(arr: np.ndarray) -> str:
    name = _element_types.get(arr.dtype)
    if name is None:
        name = _element_type_of(arr.dtype)  # raises for the unsupported: those are not remembered
        if len(_element_types) >= 64:
            _element_types.clear()  # bounded (dtypes with metadata can be many)
        _element_types[arr.dtype] = name
    return name


def _element_type_of(dt: np.dtype) -> str:
    if dt.name == "bfloat16":  # ml_dtypes
        return "bfloat16"
    if dt.kind in "fiub" and not dt.isnative:
        raise TypeError(
            f"weights have non-native byte order ({dt.str}); convert with "
            "weights.astype(weights.dtype.newbyteorder('='))"
        )
    if dt.kind == "f" and dt.itemsize in _FLOAT_NAMES:
        return _FLOAT_NAMES[dt.itemsize]
    if dt.kind == "i" and dt.itemsize in _INT_NAMES:
        return _INT_NAMES[dt.itemsize]
    if dt.kind == "u" and dt.itemsize in _UINT_NAMES:
        return _UINT_NAMES[dt.itemsize]
    if dt.kind == "b":
        return "uint8"
    raise TypeError(
        f"weights have dtype {dt}; fasttile renders float16/32/64, bfloat16, integer and bool arrays"
    )


def raw_view(arr: np.ndarray, dtype_name: str) -> np.ndarray:
    """The same memory typed as the kernel reads it (bfloat16 and bool as raw bits)."""
    if dtype_name == "bfloat16" and arr.dtype != np.uint16:
        return arr.view(np.uint16)
    if arr.dtype.kind == "b":
        return arr.view(np.uint8)
    return arr
