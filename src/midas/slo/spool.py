"""Probe results kept on local disk while the database cannot take them.

The probes are how Midas sees an outage, and the most common outage is the database
itself: a result that can only be saved to the database is lost exactly when it matters.
So ``run_probes`` appends what it could not save here (``VAR_DIR/slo/probe-spool.jsonl``,
one JSON object per line, flushed and fsynced before the call returns), and the first run
that reaches the database again writes them back with their true timestamps (``drain``):
``midas slo``, the status page's bars and the downtime trigger then see the outage.

An exclusive ``flock`` on a lock file beside it lets several worker processes on one host
append and drain without losing or doubling a line. ``recent()`` reads the spool without
the database: the launch's downtime alert decides from it while the database is down.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from midas.slo.models import ProbeResult

logger = logging.getLogger(__name__)

FIELDS = ("component", "target", "ok", "status", "latency_ms", "detail", "maintenance")


def spool_path() -> Path:
    return Path(settings.VAR_DIR) / "slo" / "probe-spool.jsonl"


@contextmanager
def _locked() -> Iterator[Path]:
    path = spool_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _line(row: ProbeResult) -> str:
    data = {name: getattr(row, name) for name in FIELDS}
    data["at"] = row.at.isoformat()
    data["minute"] = row.minute.isoformat()
    return json.dumps(data)


def _row(line: str) -> ProbeResult | None:
    try:
        data = json.loads(line)
        data["at"] = dt.datetime.fromisoformat(data["at"])
        data["minute"] = dt.datetime.fromisoformat(data["minute"])
        return ProbeResult(**data)
    except (ValueError, KeyError, TypeError):  # a line cut short by a crash mid-write
        logger.warning("probe spool: skipped an unreadable line")
        return None


def append(rows: list[ProbeResult]) -> None:
    """Keep ``rows`` on disk; durable when this returns."""
    if not rows:
        return
    with _locked() as path, open(path, "a", encoding="utf-8") as handle:
        handle.write("".join(_line(row) + "\n" for row in rows))
        handle.flush()
        os.fsync(handle.fileno())


def _read(path: Path) -> list[ProbeResult]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [row for row in map(_row, lines) if row is not None]


def pending() -> int:
    """How many results wait on disk (0 without a spool file)."""
    path = spool_path()
    if not path.exists():
        return 0
    with _locked() as locked:
        return len(_read(locked))


def drain() -> int:
    """Write every spooled result to the database and empty the spool; returns how many.
    On a database error nothing is removed (the spool is emptied only after the insert
    committed), and the error propagates."""
    path = spool_path()
    if not path.exists():
        return 0
    with _locked() as locked:
        rows = _read(locked)
        if rows:
            ProbeResult.objects.bulk_create(rows, batch_size=500)
        locked.unlink(missing_ok=True)
    if rows:
        logger.info("probe spool: wrote %d result(s) kept while the database was away", len(rows))
    return len(rows)


def recent(*, since: dt.datetime) -> list[ProbeResult]:
    """Spooled results taken at or after ``since``, oldest first (no database needed)."""
    path = spool_path()
    if not path.exists():
        return []
    with _locked() as locked:
        rows = _read(locked)
    return sorted((r for r in rows if r.at >= since), key=lambda r: r.at)
