"""fasttile.show_versions(): what to paste into a bug report. Optional packages are
looked up in the installed metadata, never imported (importing torch or TensorFlow
would take seconds and could itself be the bug)."""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from typing import Optional, TextIO

from ._version import __version__
from .kernel.backends import simd_info

# The distributions fasttile's extras and integrations use, by their PyPI names.
OPTIONAL = (
    "isal",
    "matplotlib",
    "pillow",
    "tifffile",
    "h5py",
    "ml_dtypes",
    "safetensors",
    "torch",
    "tqdm",
    "dask",
    "distributed",
    "zarr",
    "ome-zarr",
    "tensorboard",
    "tensorboardX",
    "tensorflow",
    "tensorflow-cpu",
    "keras",
    "jax",
    "wandb",
    "imageio",
    "imageio-ffmpeg",
    "scipy",
    "anywidget",
    "threadpoolctl",
)


def _version(distribution: str) -> Optional[str]:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def collect() -> dict[str, object]:
    """The facts show_versions prints, as a dict (name -> value; None: not installed).

    >>> import fasttile
    >>> facts = collect()
    >>> facts["fasttile"] == fasttile.__version__ and facts["simd path"] == fasttile.simd_info()["path"]
    True
    >>> facts["numpy"] is not None
    True
    """
    info = simd_info()
    facts: dict[str, object] = {
        "fasttile": __version__,
        "backend": info["backend"],
        "simd path": info["path"],
        "supported paths": ", ".join(info["supported"]) or None,
        "threads": info["threads"],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "numpy": _version("numpy"),
    }
    facts.update({name: _version(name) for name in OPTIONAL})
    return facts


def show_versions(file: Optional[TextIO] = None) -> None:
    """Print fasttile's version, the SIMD path in use and those this CPU supports, the
    kernel's default thread count, Python, the platform, NumPy and the optional packages
    installed (read from their metadata, without importing them), one per line."""
    out = sys.stdout if file is None else file
    facts = collect()
    width = max(map(len, facts))
    for name, value in facts.items():
        print(f"{name:>{width}}: {'-' if value is None else value}", file=out)
