"""Layer names: the argument's forms, and the error for a name the model lacks."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Union


def layer_names(names: Union[str, Iterable[str]]) -> list[str]:
    listed = [names] if isinstance(names, str) else list(names)
    if not listed or not all(isinstance(n, str) for n in listed):
        raise TypeError(f"layers must be a layer name or a list of names, got {names!r}")
    return listed


def check_layers(wanted: Sequence[str], known: Sequence[str], where: str) -> None:
    """A name the model does not have: say which names are close (difflib)."""
    for name in wanted:
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=5, cutoff=0.5)
        hint = f"did you mean {', '.join(map(repr, close))}?" if close else f"it has {_some(known)}"
        raise ValueError(f"{where} has no layer {name!r}; {hint}")


def _some(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:12])
    return shown + (f" and {len(names) - 12} more" if len(names) > 12 else "") if names else "no layers"
