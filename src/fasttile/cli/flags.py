"""The render options as command-line flags, generated from the option table
(tiling/options.py): one flag per option (`tile_shape` is `--tile-shape`), its help,
metavar and choices from the table, its text read by the parser the table names.
A choice is matched case-insensitively and a wrong one is refused in one line with
the closest choice, the way a misspelt flag is."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterable, Mapping
from typing import Any, Callable, Optional

from ..tiling.options import RENDER_OPTIONS, Option
from ..tiling.selection import DEAD_MODES


def ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def indices(text: str) -> Any:
    if ":" in text:
        try:
            parts = [int(p) if p else None for p in text.split(":")]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"a slice is START:STOP[:STEP] of integers, got {text!r}"
            ) from None
        if len(parts) > 3:
            raise argparse.ArgumentTypeError(f"a slice is START:STOP[:STEP], got {text!r}")
        return slice(*parts)
    return list(ints(text))


def channel(text: str) -> Any:
    if text in ("mean", "split"):
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, mean or split, got {text!r}") from None


def pad(text: str) -> Any:
    values = ints(text)
    return values[0] if len(values) == 1 else values


def whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def choice(choices: Iterable[str], why: str = "") -> Callable[[str], str]:
    """A reader of one of `choices`, any case, suggesting the closest on a mistake
    (and saying `why` the choices are these, when a command narrows them)."""
    known = tuple(choices)

    def read(text: str) -> str:
        if text.lower() in known:
            return text.lower()
        close = difflib.get_close_matches(text.lower(), known, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]}?" if close else ""
        reason = f" ({why})" if why else ""
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(known)}{reason}{hint}")

    read.__name__ = "choice"  # argparse names the reader in some messages
    return read


def dead(text: str) -> Any:
    """--dead MODE or MODE:THRESHOLD (render's dead=(mode, threshold))."""
    mode, _, threshold = text.partition(":")
    mode = choice(DEAD_MODES)(mode)
    if not threshold:
        return mode
    try:
        return (mode, float(threshold))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the threshold after {mode}: is a number, got {threshold!r}"
        ) from None


_READERS: Mapping[str, Callable[[str], Any]] = {
    "str": str,
    "int": whole,
    "ints": ints,
    "floats": floats,
    "indices": indices,
    "channel": channel,
    "pad": pad,
    "dead": dead,
}


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add(group: Any, o: Option, choices: Optional[tuple], help: Optional[str], why: str) -> None:
    text = help or o.flag_help
    if o.parse == "switch":
        group.add_argument(flag(o.name), action="store_true", default=None, help=text)
        return
    if o.parse == "choice":
        options = choices or o.choices
        group.add_argument(
            flag(o.name), type=choice(options, why), metavar="{" + ",".join(options) + "}", help=text
        )
        return
    group.add_argument(flag(o.name), type=_READERS[o.parse], metavar=o.metavar, help=text)


def add_render_options(
    p: argparse.ArgumentParser,
    *,
    exclude: Iterable[str] = (),
    choices: Mapping[str, tuple] = {},
    help: Mapping[str, str] = {},
    why: Mapping[str, str] = {},
) -> None:
    """A flag for every render option the table marks as one, less `exclude`; a command
    whose verb takes other values (animate's normalize modes) passes its `choices`,
    its `help` and `why` the choices differ."""
    skip = set(exclude)
    group = p.add_argument_group("render options (as fasttile.render)")
    for o in RENDER_OPTIONS:
        if o.flag and o.name not in skip:
            _add(group, o, choices.get(o.name), help.get(o.name), why.get(o.name, ""))


FLAG_NAMES = tuple(o.name for o in RENDER_OPTIONS if o.flag)


def render_options(args: argparse.Namespace) -> dict:
    """The render keywords given on the command line (the others keep their defaults)."""
    return {k: getattr(args, k) for k in FLAG_NAMES if getattr(args, k, None) is not None}


def level(text: str) -> Any:
    """--level: a PNG compression name or a zlib-style number (save's level=)."""
    return int(text) if text.isdigit() else text
