"""What every weight-file format gives: a Source listing its tensors (from headers
only) and reading one of them lazily, and the one error a bad file raises."""

from __future__ import annotations

import os
from typing import Any, NamedTuple, Union

PathLike = Union[str, "os.PathLike[str]"]


class LoadError(ValueError):
    """A file cannot be read as weights: one line naming the file and the problem."""


class TensorInfo(NamedTuple):
    """What `fasttile.keys` reports for a tensor: read from the header, no data."""

    shape: tuple[int, ...]
    dtype: str


class Source:
    """An opened weight file: its tensors' names, shapes and dtypes, and a way to
    read one of them. `layouts` maps ndim to the layout the file's framework uses
    ({} means fasttile's own defaults); `framework` names it for `fasttile ls`."""

    path: str
    tensors: dict[str, TensorInfo]
    layouts: dict[int, str] = {}
    framework: str = ""

    def read(self, name: str) -> Any:  # pragma: no cover - every format overrides it
        raise NotImplementedError
