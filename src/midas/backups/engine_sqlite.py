"""SQLite: the online backup API, never a raw copy of a file that WAL is still writing to.

``Connection.backup`` with ``pages=-1`` copies every page in one step under one read
transaction, so the copy is a consistent snapshot while writers go on (WAL readers do not
block writers). Row counts and checksums are taken from the copy itself, so the manifest
describes exactly what the dump holds.
"""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.db import connection, connections

from midas.backups.manifest import BackupError, TableState

Step = Callable[[str, int, int], None]
SENTINEL_TABLE = "backups_backupsentinel"


def live_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(name)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    timeout = float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 20))
    if read_only:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout)
    return sqlite3.connect(path, timeout=timeout)


def table_states(conn: sqlite3.Connection, step: Step | None = None) -> dict[str, TableState]:
    """Row count and an order-independent sha256 of every table's rows."""
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    states = {}
    for done, name in enumerate(names, start=1):
        digests = sorted(
            hashlib.sha256(repr(row).encode()).digest()
            for row in conn.execute(f"SELECT * FROM {_quote(name)}")  # noqa: S608
        )
        states[name] = TableState(
            rows=len(digests), checksum=hashlib.sha256(b"".join(digests)).hexdigest()
        )
        if step:
            step(f"checksum {name}", done, len(names))
    return states


def dump(target: Path, step: Step | None = None) -> dict[str, TableState]:
    source = _connect(live_path())
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages=-1: one step, one consistent snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
        return table_states(copy, step)
    finally:
        copy.close()
        source.close()


def has_sentinel(conn: sqlite3.Connection, token: str) -> bool:
    try:
        row = conn.execute(
            f"SELECT 1 FROM {SENTINEL_TABLE} WHERE token = ?",  # noqa: S608
            [token],
        ).fetchone()
    except sqlite3.OperationalError:
        return False
    return row is not None


def inspect(dump_file: Path, token: str, step: Step | None = None) -> tuple[dict, bool, list]:
    """Restore the dump into a scratch file; return its tables, sentinel found, problems."""
    with tempfile.TemporaryDirectory(prefix="midas-verify-") as scratch_dir:
        scratch_path = Path(scratch_dir) / "scratch.sqlite3"
        source = _connect(dump_file, read_only=True)
        scratch = sqlite3.connect(scratch_path)
        try:
            try:
                source.backup(scratch)
                result = [row[0] for row in scratch.execute("PRAGMA integrity_check")]
            except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
                return {}, False, [f"not a readable SQLite database: {exc}"]
            problems = [] if result == ["ok"] else [f"integrity_check: {'; '.join(result)}"]
            try:
                return table_states(scratch, step), has_sentinel(scratch, token), problems
            except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # corrupted row data
                return {}, False, [*problems, f"rows unreadable: {exc}"]
        finally:
            scratch.close()
            source.close()


def restore(dump_file: Path, step: Step | None = None) -> None:
    """Copy the dump into the live database through the backup API: the destination is
    locked for the copy, so other connections wait (busy timeout) rather than see half."""
    connections.close_all()
    source = _connect(dump_file, read_only=True)
    live = _connect(live_path())
    try:
        source.backup(live)
        live.execute("PRAGMA journal_mode=WAL")  # as settings.py opens it
    finally:
        live.close()
        source.close()
    if step:
        step("restored", 1, 1)
