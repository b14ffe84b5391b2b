"""The fasttile command line: `fasttile render`, `ls`, `demo` and the subcommands the
modules of this package register."""

from .app import main

__all__ = ["main"]
