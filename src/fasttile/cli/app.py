"""The fasttile command. Each command is a module `cmd_<name>.py` of this package with
``register(subparsers)``, found here by its name: adding a command is one new module.
Errors are one line on stderr in command-line words and exit status 2, never a
traceback or a usage dump."""

from __future__ import annotations

import argparse
import difflib
import importlib
import pkgutil
import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any, Optional

from .._version import __version__
from ..loaders.source import LoadError
from ..tiling.hints import LayoutWarning
from .words import CliError, cli_words, one_line


def command_modules() -> list[str]:
    """Every cmd_*.py of this package, in the order its ORDER (then its name) gives the help."""
    package = __name__.rsplit(".", 1)[0]
    here = importlib.import_module(package).__path__
    names = [f"{package}.{m.name}" for m in pkgutil.iter_modules(here) if m.name.startswith("cmd_")]
    return sorted(names, key=lambda name: (getattr(importlib.import_module(name), "ORDER", 50), name))


class _Parser(argparse.ArgumentParser):
    """argparse, suggesting the closest flag for a misspelt one."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        unknown = re.match(r"unrecognized arguments: (--[\w-]+)", message)
        if unknown:
            flags = sorted(f for f in _flags(self) if f.startswith("--"))
            close = difflib.get_close_matches(unknown.group(1), flags, n=1)
            if close:
                message += f" (did you mean {close[0]}?)"
        raise CliError(f"{message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fasttile",
        description="Render neural-network weights as a mosaic of tiles.",
        epilog="examples:\n"
        "  fasttile demo -o filters.png                     a first mosaic, from filters it learns\n"
        "  fasttile ls model.safetensors                    tensors, shapes, the layout it would use\n"
        "  fasttile render model.pt --key conv1.weight -o conv1.png\n\n"
        "fasttile COMMAND --help shows each command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fasttile {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for module in command_modules():
        importlib.import_module(module).register(sub)
    return parser


def _flags(parser: argparse.ArgumentParser, taking_values: bool = False) -> set[str]:
    """Every flag of the parser and its subcommands (only those taking a value)."""
    flags: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                flags |= _flags(child, taking_values)
        elif action.option_strings and (action.nargs != 0 or not taking_values):
            flags.update(action.option_strings)
    return flags


_NEGATIVE = re.compile(r"^-(\d|\.\d|:)")


def join_negative_values(argv: Sequence[str], value_flags: set[str]) -> list[str]:
    """`--value-range -1,1` -> `--value-range=-1,1`: argparse takes -1,1 for a flag."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in value_flags and i + 1 < len(argv) and _NEGATIVE.match(argv[i + 1]):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def _print_warning(message: Any, category: Any, *rest: Any, **kw: Any) -> None:
    print(f"fasttile: warning: {cli_words(one_line(str(message)))}", file=sys.stderr)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    with warnings.catch_warnings():
        warnings.simplefilter("always", LayoutWarning)
        warnings.showwarning = _print_warning
        try:
            args = parser.parse_args(join_negative_values(argv, _flags(parser, taking_values=True)))
            return args.run(args)
        except CliError as exc:
            print(f"fasttile: error: {one_line(str(exc))}", file=sys.stderr)
        except (LoadError, ValueError, TypeError, IndexError, OSError, ImportError, MemoryError) as exc:
            text = one_line(str(exc)) or type(exc).__name__
            print(f"fasttile: error: {cli_words(text)}", file=sys.stderr)
        except KeyboardInterrupt:
            print("fasttile: interrupted", file=sys.stderr)
            return 130
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
