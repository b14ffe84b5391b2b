"""Weight files read lazily. Each format module registers itself with registry.py when
imported; importing them here, in the order the supported list names them, is all
that adding a format takes besides its module."""

# isort: off
from . import npy, npz, safetensors_file, sharded, torch_file, hdf5  # noqa: F401  (each registers its format)

# isort: on
from .registry import find_key, keys, load, open_source, register, supported
from .source import LoadError, Source, TensorInfo

__all__ = [
    "LoadError",
    "Source",
    "TensorInfo",
    "find_key",
    "keys",
    "load",
    "open_source",
    "register",
    "supported",
]
