"""Scratch PostgreSQL databases for the benchmarks: a fresh name with a random suffix each
time, created here and dropped only if this process created it.

    from benchmarks.scratch import create_database, drop_database

    name, url = create_database(admin_url, "midas_booking_bench")  # midas_booking_bench_3f9c...
    try:
        ...  # use url
    finally:
        drop_database(admin_url, name)

Two runs (or two developers) never share a database, a benchmark never drops a database a
person made (``midas_bench``, ``midas``...), and a name it did not create is refused with
``RefusedDrop`` rather than force-dropped.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit, urlunsplit

PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_created: set[str] = set()  # the names this process created and has not dropped yet


class RefusedDrop(RuntimeError):
    """Asked to drop a database this process did not create."""


def scratch_name(prefix: str) -> str:
    """``<prefix>_<12 random hex digits>``: a new name on every call."""
    if not PREFIX.match(prefix):
        raise ValueError(f"a scratch prefix is lower-case letters, digits and _: {prefix!r}")
    return f"{prefix}_{secrets.token_hex(6)}"


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (same server, user and options)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def create_database(admin_url: str, prefix: str) -> tuple[str, str]:
    """Create a scratch database on ``admin_url``'s server: (its name, its URL). No
    ``DROP IF EXISTS`` first: a name that exists already is an error, never replaced."""
    name = scratch_name(prefix)
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    _created.add(name)
    return name, with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """Drop ``name`` (forcing its connections off) if this process created it; otherwise
    raise ``RefusedDrop`` and touch nothing."""
    if name not in _created:
        raise RefusedDrop(f"not dropping {name!r}: this run did not create it")
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _created.discard(name)
