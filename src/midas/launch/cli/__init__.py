"""``midas launch ...``: the shared pieces of the sub-commands, and finding them.

Each area's ``cli.py`` (``midas.launch.<area>.cli``, found by name) defines
``add_commands(sub)``, adding its sub-commands to the ``argparse`` sub-parsers ``sub``; each
sub-parser sets ``handler=fn`` where ``fn(options: dict, out: Console) -> int`` returns the
exit code. Handlers that change
something build their actor with ``actor_of(options)`` (``--by EMAIL`` or
``MIDAS_OPERATOR``); the services check the permission and record it.
"""

from __future__ import annotations

import argparse
import os

from midas.launch import actors, area_modules


def add_by(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--by",
        default=os.environ.get("MIDAS_OPERATOR", ""),
        help="the staff account acting (default: $MIDAS_OPERATOR)",
    )


def actor_of(options: dict) -> actors.Actor:
    return actors.by_email(options.get("by") or "", via="cli")


def modules() -> list:
    """The sub-command modules: each area's ``cli.py``, in area name order."""
    return area_modules("cli")
