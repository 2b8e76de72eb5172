"""The catalogue is the ground the bookings build on: it never imports them."""

from __future__ import annotations

import ast
from pathlib import Path

import midas.catalog

CATALOG = Path(midas.catalog.__file__).resolve().parent


def imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_the_catalogue_does_not_import_the_bookings():
    offenders = {
        f"{path.relative_to(CATALOG)}: {name}"
        for path in CATALOG.rglob("*.py")
        for name in imported_modules(path)
        if name == "midas.bookings" or name.startswith("midas.bookings.")
    }
    assert not offenders
