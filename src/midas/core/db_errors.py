"""One classifier of database errors, by SQLSTATE and constraint name on PostgreSQL and by
SQLite's extended result codes, never by matching an error's English text.

Django wraps the driver's exception (``django.db.IntegrityError`` and friends) and keeps it
as ``__cause__``: psycopg's carries ``sqlstate`` and ``diag.constraint_name``; sqlite3's
carries ``sqlite_errorcode`` / ``sqlite_errorname`` (Python 3.11+). SQLite names no
constraint, so a unique violation there is recognised by its table and columns, which its
extended code SQLITE_CONSTRAINT_UNIQUE comes with.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass

# PostgreSQL SQLSTATEs (Appendix A of its manual).
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout expired, or NOWAIT
DEADLOCK_DETECTED = "40P01"
QUERY_CANCELED = "57014"  # statement_timeout
UNIQUE_VIOLATION = "23505"
EXCLUSION_VIOLATION = "23P01"
CONNECTION_EXCEPTION_CLASS = "08"  # connection_exception and its subclasses
# admin_shutdown, crash_shutdown, cannot_connect_now: the server is stopping or starting
SERVER_GOING_AWAY = frozenset({"57P01", "57P02", "57P03"})

# SQLite result codes (https://sqlite.org/rescode.html).
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_IOERR = 10
SQLITE_CANTOPEN = 14
SQLITE_CONSTRAINT = 19
SQLITE_CONSTRAINT_UNIQUE = 2067
SQLITE_CONSTRAINT_PRIMARYKEY = 1555


@dataclass(frozen=True)
class Violation:
    """A constraint the database refused a write for."""

    kind: str  # "unique" | "exclusion" | "other"
    constraint: str  # PostgreSQL's constraint name; "" on SQLite
    columns: tuple[str, ...]  # SQLite's "table.column" names; () on PostgreSQL


def _driver_error(exc: BaseException) -> BaseException:
    cause = exc.__cause__
    return cause if cause is not None else exc


def sqlstate(exc: BaseException) -> str:
    """PostgreSQL's SQLSTATE for ``exc``, or "" (another database, or none)."""
    return str(getattr(_driver_error(exc), "sqlstate", "") or "")


def is_lock_timeout(exc: BaseException) -> bool:
    """A lock not had in time: PostgreSQL's lock_timeout or a deadlock victim; SQLite busy
    or locked after its busy timeout."""
    error = _driver_error(exc)
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return sqlstate(exc) in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED)


def is_unavailable(exc: BaseException) -> bool:
    """The database could not be reached at all — refused or lost connection, a server
    shutting down or starting up, SQLite's file unopenable or unreadable — as opposed to a
    query the database refused. Django's ``OperationalError``/``InterfaceError`` is looked
    for on ``exc`` and its causes; psycopg reports a failed or dropped connection with no
    SQLSTATE, and a server stopping with class 57P0x."""
    from django.db import InterfaceError, OperationalError

    seen: BaseException | None = exc
    for _ in range(5):  # the error itself, or what it was raised from
        if seen is None or isinstance(seen, (OperationalError, InterfaceError)):
            break
        seen = seen.__cause__ or seen.__context__
    if not isinstance(seen, (OperationalError, InterfaceError)):
        return False
    error = _driver_error(seen)
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in (SQLITE_CANTOPEN, SQLITE_IOERR)
    # psycopg is only loaded on PostgreSQL: where it is not, no error can be one of its own
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(error, psycopg.Error):
        return False  # no driver error to tell by
    state = sqlstate(seen)
    if not state:
        return True
    return state.startswith(CONNECTION_EXCEPTION_CLASS) or state in SERVER_GOING_AWAY


def violation(exc: BaseException) -> Violation | None:
    """The constraint behind an integrity error, or None when it is not one."""
    error = _driver_error(exc)
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if code is None or code & 0xFF != SQLITE_CONSTRAINT:
            return None
        if code in (SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY):
            # "UNIQUE constraint failed: bookings_booking.reference[, ...]"
            _, _, names = str(error).partition(":")
            columns = tuple(n.strip() for n in names.split(",") if n.strip())
            return Violation("unique", "", columns)
        return Violation("other", "", ())
    state = sqlstate(exc)
    if not state.startswith("23"):
        return None
    diag = getattr(error, "diag", None)
    constraint = str(getattr(diag, "constraint_name", "") or "")
    kind = {UNIQUE_VIOLATION: "unique", EXCLUSION_VIOLATION: "exclusion"}.get(state, "other")
    return Violation(kind, constraint, ())


def violates_exclusion(exc: BaseException, constraint: str) -> bool:
    """PostgreSQL's exclusion constraint ``constraint`` refused the write."""
    found = violation(exc)
    return found is not None and found.kind == "exclusion" and found.constraint == constraint


def violates_unique(exc: BaseException, table: str, column: str) -> bool:
    """A unique constraint on ``table.column`` refused the write (PostgreSQL: the constraint
    Django or PostgreSQL named after the table and column)."""
    found = violation(exc)
    if found is None or found.kind != "unique":
        return False
    if found.columns:
        return f"{table}.{column}" in found.columns
    return found.constraint.startswith(f"{table}_{column}")
