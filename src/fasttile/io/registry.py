"""The output formats of fasttile.save, each registered by its own module beside this
one (Pillow's `register_save` pattern): its extensions, the format options it takes
and its streaming write. The formats listed in messages and help come from here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Union


@dataclass(frozen=True)
class Writer:
    name: str  # "png"
    extensions: tuple[str, ...]  # (".png",): lower case, with the dot
    write: Callable[..., None]  # write(path, mosaic, *, progress, rows, threads, **options)
    options: tuple[str, ...] = ()  # the format options it takes, e.g. ("level",)


_WRITERS: dict[str, Writer] = {}


def register_writer(writer: Writer) -> None:
    for ext in writer.extensions:
        _WRITERS[ext] = writer


def writers() -> list[Writer]:
    return list({id(w): w for w in _WRITERS.values()}.values())


def extensions() -> tuple[str, ...]:
    return tuple(sorted(_WRITERS))


def writer_for(path: Union[str, os.PathLike]) -> Writer:
    """The writer for `path`'s extension; ValueError listing the formats otherwise."""
    ext = Path(path).suffix.lower()
    if ext not in _WRITERS:
        shown = f"extension {ext!r}" if ext else "no extension"
        raise ValueError(
            f"cannot write {os.fspath(path)!r} ({shown}): fasttile writes {', '.join(extensions())} "
            "and zarr stores (fasttile.to_zarr)"
        )
    return _WRITERS[ext]
