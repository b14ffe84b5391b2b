"""`fasttile info`: fasttile.show_versions() on the command line (versions, the SIMD path
in use and those supported, threads, optional packages) for bug reports. cli.py registers
it through SUBCOMMANDS."""

from __future__ import annotations

import argparse
from typing import Any

from . import cli


def _cmd_info(args: argparse.Namespace) -> int:
    from ._show_versions import show_versions

    show_versions()
    return 0


def register(sub: Any) -> None:
    """Add `info` to the fasttile command's subparsers."""
    p = cli.add_subcommand(
        sub,
        "info",
        "print fasttile's version, SIMD path and threads, and the versions of the packages it uses",
        ["fasttile info", "fasttile info > versions.txt   # to attach to a bug report"],
    )
    p.set_defaults(run=_cmd_info)
