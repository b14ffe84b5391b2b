"""Optional dependencies: imported when a feature needs them, with a message that
names the extra to install when they are missing. The core install is NumPy, the
compiled kernel and python-isal (fast deflate)."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, extra: str, purpose: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{purpose} needs the '{extra}' extra: pip install 'fasttile[{extra}]'") from None
