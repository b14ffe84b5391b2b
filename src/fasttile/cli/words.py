"""Python-worded messages in command-line words.

The library's errors and warnings name keywords (``pass nonfinite='mark'``); on the
command line the same advice names flags (``pass --nonfinite mark``). One table of
rewrites, so every message raised anywhere in fasttile reads right in both places.
"""

from __future__ import annotations

import re
import shlex

from ..tiling.options import RENDER_OPTIONS


class CliError(Exception):
    """A message already in command-line words: printed as is, exit 2."""


# keywords that are also flags: the render options' (from the option table) and the
# output and input arguments of the commands
OPTION_NAMES = tuple(o.name for o in RENDER_OPTIONS if o.flag) + (
    "level",
    "tiles",
    "key",
    "overwrite",
    "resume",
)
_NAMES = (
    "layout",
    "tile_shape",
    "channel_order",
    "channel",
    "bgr",
    "normalize",
    "value_range",
    "nonfinite",
    "indices",
    "order",
    "top",
    "nrows",
    "ncols",
    "fill",
    "padding",
    "pad_value",
    "zoom",
    "cmap",
    "threads",
    "backend",
    "compress_level",
    "key",
)
_NAMES = "|".join(sorted(OPTION_NAMES, key=len, reverse=True))
_VALUE = r"\([^()]*\)|'[^']*'|\"[^\"]*\"|[\w.+-]+"
_ASSIGNMENT = re.compile(rf"(?<![\w.-])({_NAMES})=({_VALUE})?")
_LEADING = re.compile(rf"(^|; |\(|, )({_NAMES}) (must|needs|applies|colours|is|has)\b")
_BARE_UNDERSCORED = re.compile(rf"(?<![\w-])({'|'.join(n for n in OPTION_NAMES if '_' in n)})\b")
_NAMED_LAYOUT = re.compile(r"\blayout '(\w+)'")
_KEYS_CALL = re.compile(r"fasttile\.keys\(('[^']*'|\"[^\"]*\")\)")
# Python advice that has a command-line counterpart (or none): (pattern, replacement)
_PYTHON_ADVICE = (
    (
        re.compile(r"; a single flattened tile is weights\.reshape\(1, -1\)"),
        "; save it as a (1, D) array to draw it",
    ),
    (
        re.compile(r"fasttile\.to_zarr did not write; pass --overwrite"),
        "fasttile did not write; pass --overwrite",
    ),
    (re.compile(r" \(fasttile\.to_zarr\)"), ""),
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _value(text: str) -> str:
    """'mark' -> mark, (h, w) -> H,W, (0, 1) -> 0,1."""
    if text[:1] in "'\"":
        return text[1:-1]
    if text.startswith("("):
        parts = [p.strip() for p in text[1:-1].split(",") if p.strip()]
        return ",".join(p.upper() if p.isalpha() else p for p in parts)
    return text.upper() if len(text) == 1 and text.isalpha() else text  # channel=k -> K


def _assignment(match: re.Match) -> str:
    name, value = match.group(1), match.group(2)
    if value == "True":
        return flag(name)
    return flag(name) if value is None else f"{flag(name)} {_value(value)}"


def cli_words(message: str) -> str:
    """The message with keyword advice rewritten as flags."""
    text = _ASSIGNMENT.sub(_assignment, message)
    text = text.replace(" or (h, w, c)", " or H,W,C")
    text = _NAMED_LAYOUT.sub(r"--layout \1", text)
    text = _LEADING.sub(lambda m: f"{m.group(1)}{flag(m.group(2))} {m.group(3)}", text)
    text = _BARE_UNDERSCORED.sub(lambda m: flag(m.group(1)), text)
    for pattern, words in _PYTHON_ADVICE:
        text = pattern.sub(words, text)
    return _KEYS_CALL.sub(lambda m: "fasttile ls " + shlex.quote(m.group(1)[1:-1]), text)


def one_line(message: str) -> str:
    """First line only, without terminal escape codes or other control characters."""
    text = _ANSI.sub("", message).strip()
    text = text.splitlines()[0] if text else ""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def printable(text: str) -> str:
    """A name from a weights file, safe to print to a terminal."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in str(text))
