"""PostgreSQL: ``pg_dump -Fc`` and ``pg_restore``, connection details in the environment.

The password goes to the tools as ``PGPASSWORD`` in their environment: never on a command
line (visible in ``ps``) nor in a log line. The dump runs on a snapshot exported from a
REPEATABLE READ transaction (``pg_dump --snapshot``); row counts and checksums are read in
that same transaction, so the manifest describes exactly what the dump holds while writes go on.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Callable
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connection, connections

from midas.backups.manifest import BackupError, TableState

Step = Callable[[str, int, int], None]
SENTINEL_TABLE = "backups_backupsentinel"
TABLES_SQL = (
    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
)

# count and an order-independent digest of the rows' text: equal data gives equal digests
CHECKSUM_SQL = (
    "SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '')"
    " FROM {table} t"
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tool_env(dbname: str | None = None) -> dict[str, str]:
    """The environment for pg_dump / pg_restore: libpq's variables from DATABASES."""
    db = connection.settings_dict
    env = dict(os.environ)
    pairs = {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": dbname or db.get("NAME"),
    }
    options = db.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(option):
            pairs[variable] = str(options[option])
    env.update({k: str(v) for k, v in pairs.items() if v not in (None, "")})
    return env


def _run(argv: list[str], *, dbname: str | None = None) -> None:
    done = subprocess.run(
        argv, env=tool_env(dbname), capture_output=True, text=True, errors="replace", check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _wrapper(dbname: str):
    """A fresh Django connection of its own (not the request's) to ``dbname``."""
    live = connections[DEFAULT_DB_ALIAS]
    return type(live)({**live.settings_dict, "NAME": dbname}, DEFAULT_DB_ALIAS)


def table_states(cursor, step: Step | None = None) -> dict[str, TableState]:
    """Row count and an order-independent md5 of every table's rows (as row text)."""
    cursor.execute(TABLES_SQL)
    names = [row[0] for row in cursor.fetchall()]
    states = {}
    for done, name in enumerate(names, start=1):
        cursor.execute(
            CHECKSUM_SQL.format(table=_quote(name))  # a quoted name of our own listing
        )
        rows, checksum = cursor.fetchone()
        states[name] = TableState(rows=rows, checksum=checksum)
        if step:
            step(f"checksum {name}", done, len(names))
    return states


def dump(target: Path, step: Step | None = None) -> dict[str, TableState]:
    db = _wrapper(connection.settings_dict["NAME"])
    try:
        with db.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"])
            if step:
                step("pg_dump", 1, 1)
            states = table_states(cursor, step)
            cursor.execute("COMMIT")
        return states
    finally:
        db.close()


def inspect(dump_file: Path, token: str, step: Step | None = None) -> tuple[dict, bool, list]:
    """pg_restore into a scratch database created for the purpose and dropped afterwards."""
    scratch = f"midas_verify_{secrets.token_hex(4)}"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {_quote(scratch)}")
    try:
        try:
            _run(
                [
                    "pg_restore",
                    "--exit-on-error",
                    "--no-owner",
                    "--no-privileges",
                    f"--dbname={scratch}",
                    str(dump_file),
                ],
                dbname=scratch,
            )
        except BackupError as exc:
            return {}, False, [str(exc)]
        db = _wrapper(scratch)
        try:
            with db.cursor() as cursor:
                states = table_states(cursor, step)
                found = False
                if SENTINEL_TABLE in states:
                    cursor.execute(
                        f"SELECT 1 FROM {SENTINEL_TABLE} WHERE token = %s",  # noqa: S608
                        [token],
                    )
                    found = cursor.fetchone() is not None
            return states, found, []
        finally:
            db.close()
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {_quote(scratch)} WITH (FORCE)")


def restore(dump_file: Path, step: Step | None = None) -> None:
    """pg_restore --clean --if-exists in one transaction: all of the dump or nothing."""
    connections.close_all()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump_file),
        ],
    )
    if step:
        step("restored", 1, 1)
