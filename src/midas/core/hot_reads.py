"""The one or two reads every page request makes, through the driver's own cursor.

A catalogue version is a primary-key lookup that SQLite answers in ~20 µs; through Django's
cursor wrapper the same statement costs 5–10 times that (the wrapper objects, the
placeholder rewriting, the debug and wrapper checks). On a page-cache hit that was the
largest part of what a hit costs beyond the bare view. ``fetch_all`` sends such a read
straight to the DB-API connection, still inside Django's error wrapping (a driver error comes
out as ``django.db.OperationalError`` and so on, ``__cause__`` set, exactly as through the
cursor), and goes through Django's cursor whenever Django would do more than that: queries
being logged (``DEBUG``, a test counting queries), an execute wrapper installed, a
transaction open, or no connection yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def fetch_all(db: Any, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of one read-only ``sql`` (``%s`` placeholders) on the connection ``db``."""
    if db.connection is None or db.queries_logged or db.execute_wrappers or db.in_atomic_block:
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    if db.vendor == "sqlite":
        sql = sql.replace("%s", "?")  # sqlite3's placeholder (what Django's wrapper rewrites)
    with db.wrap_database_errors:
        return list(db.connection.execute(sql, params).fetchall())
