"""`fasttile info`: fasttile.show_versions() on the command line (versions, the SIMD path
in use and those supported, threads, optional packages) for bug reports."""

from __future__ import annotations

import argparse
from typing import Any

from .._show_versions import show_versions
from .common import add_subcommand

ORDER = 90  # last in `fasttile --help`


def _cmd_info(args: argparse.Namespace) -> int:
    show_versions()
    return 0


def register(sub: Any) -> None:
    p = add_subcommand(
        sub,
        "info",
        "print fasttile's version, SIMD path and threads, and the versions of the packages it uses",
        ["fasttile info", "fasttile info > versions.txt   # to attach to a bug report"],
    )
    p.set_defaults(run=_cmd_info)
