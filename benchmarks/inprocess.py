"""What the in-process profiles (``pages_profile``, ``api_profile``, ``page_hit_profile``,
``booking_profile``) share: Django pointed at a scratch directory and at the code measured."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def use_scratch(
    scratch: str,
    src: Path,
    *,
    database_url: str = "",
    settings_module: str = "midas.settings",
) -> None:
    """The environment of a profile, before ``django.setup()``: ``scratch`` as the var dir
    (and its SQLite file unless ``database_url``), the code imported from ``src`` (``--src``
    measures another checkout), debug off, the test client's host allowed, quiet logs."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": settings_module,
            "MIDAS_VAR_DIR": scratch,
            "DATABASE_URL": database_url or f"sqlite:///{scratch}/db.sqlite3",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(REPO))  # benchmarks.* (the bench settings, scratch databases)
    sys.path.insert(0, str(src))
