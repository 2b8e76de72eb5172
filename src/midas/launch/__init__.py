"""The go-live control plane (index written at the end of the refactor)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType


def area_modules(role: str) -> list[ModuleType]:
    """Each area's ``<area>/<role>.py`` (``cli``, ``console``, ``jobs``), in area name order.

    Found by name on disk, so a package without that module is not imported for it."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.ispkg and (Path(__path__[0]) / info.name / f"{role}.py").is_file():
            found.append(importlib.import_module(f"{__name__}.{info.name}.{role}"))
    return found
