"""Reading the old site's files: ``inventory.json`` and the two ``mongoexport`` dumps.

``mongoexport`` writes Extended JSON: an ObjectId is ``{"$oid": "..."}``, a date
``{"$date": "2026-11-30T14:00:00.000Z"}`` (or ``{"$date": {"$numberLong": "..."}}``), a
64-bit number ``{"$numberLong": "..."}``. ``plain`` turns those into ``str``, aware UTC
``datetime`` and ``int``; everything else is left as JSON gave it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from midas.errors import AppError, ErrorCode

FILES = ("inventory.json", "users.jsonl", "bookings.jsonl")


class SourceError(AppError):
    """The folder or one of its files cannot be read at all (nothing is imported)."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorCode.IMPORT_INVALID, message)


def parse_date(value: Any) -> dt.datetime | None:
    """An Extended JSON or ISO 8601 date as an aware UTC datetime, or None."""
    if isinstance(value, dict) and "$date" in value:
        value = value["$date"]
    if isinstance(value, dict) and "$numberLong" in value:
        value = int(value["$numberLong"])
    if isinstance(value, int) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:  # mongoexport always writes UTC
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def plain(value: Any) -> Any:
    """Extended JSON wrappers replaced by Python values, recursively."""
    if isinstance(value, dict):
        if set(value) == {"$oid"}:
            return str(value["$oid"])
        if set(value) == {"$date"}:
            return parse_date(value)
        if set(value) == {"$numberLong"} or set(value) == {"$numberInt"}:
            return int(next(iter(value.values())))
        if set(value) == {"$numberDecimal"} or set(value) == {"$numberDouble"}:
            return Decimal(str(next(iter(value.values()))))
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@dataclass
class Source:
    """The three files, read. ``problems`` holds lines that could not be read at all."""

    inventory: dict[str, Any]
    users: list[dict[str, Any]]
    bookings: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)


def _jsonl(path: Path, problems: list[str]) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path.name} line {number}: not JSON ({exc.msg}); skipped")
            continue
        if not isinstance(row, dict):
            problems.append(f"{path.name} line {number}: not an object; skipped")
            continue
        rows.append(plain(row))
    return rows


def read_source(folder: Path) -> Source:
    """Read ``inventory.json``, ``users.jsonl`` and ``bookings.jsonl`` from ``folder``."""
    if not folder.is_dir():
        raise SourceError(f"{folder}: no such folder")
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise SourceError(f"{folder}: missing {', '.join(missing)}")
    try:
        inventory = json.loads((folder / "inventory.json").read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise SourceError(f"inventory.json line {exc.lineno}: not JSON ({exc.msg})") from exc
    if not isinstance(inventory, dict) or not isinstance(inventory.get("categories"), dict):
        raise SourceError('inventory.json: no "categories" object')
    problems: list[str] = []
    users = _jsonl(folder / "users.jsonl", problems)
    bookings = _jsonl(folder / "bookings.jsonl", problems)
    return Source(inventory=inventory, users=users, bookings=bookings, problems=problems)
