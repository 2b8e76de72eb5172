"""The text search's index, per database (``midas.catalog.search`` reads it).

- SQLite: the FTS5 table ``catalog_asset_fts`` and three triggers on ``catalog_asset`` that
  keep it in step with every insert, update and delete, whoever writes.
- PostgreSQL: a GIN index on the weighted vector of ``search.search_vector()``.

Made by migration ``catalog.0009_search``. On SQLite a later migration that rebuilds
``catalog_asset`` (SQLite alters a table by copying it) drops its triggers with the old
table, so ``ensure_sqlite_index`` also runs after every ``migrate`` (``CatalogConfig.ready``):
it puts back whatever is missing and, if anything was, fills the table afresh.
"""

from __future__ import annotations

from typing import Any

from midas.catalog.search import FTS_TABLE

ASSET_TABLE = "catalog_asset"
GIN_INDEX = "catalog_asset_search"
COLUMNS = "name, brand, model_name, features, description"
TRIGGERS = ("catalog_asset_fts_insert", "catalog_asset_fts_update", "catalog_asset_fts_delete")


def _values(row: str) -> str:
    """The FTS row of ``row`` (``new`` or an asset alias): features as plain words."""
    features = (
        f"CASE WHEN json_valid({row}.features) "  # noqa: S608 - column names only
        f"THEN (SELECT group_concat(value, ' ') FROM json_each({row}.features)) "
        f"ELSE {row}.features END"
    )
    return f"{row}.id, {row}.name, {row}.brand, {row}.model_name, {features}, {row}.description"


def sqlite_statements() -> list[str]:
    insert = f"INSERT INTO {FTS_TABLE}(rowid, {COLUMNS}) VALUES ({_values('new')});"  # noqa: S608
    delete = f"DELETE FROM {FTS_TABLE} WHERE rowid = old.id;"  # noqa: S608
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({COLUMNS}, "
        "tokenize = 'porter unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[0]} AFTER INSERT ON {ASSET_TABLE} "
        f"BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[1]} AFTER UPDATE ON {ASSET_TABLE} "
        f"BEGIN {delete} {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[2]} AFTER DELETE ON {ASSET_TABLE} "
        f"BEGIN {delete} END",
    ]


def refill_sqlite(cursor: Any) -> None:
    cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
    cursor.execute(
        f"INSERT INTO {FTS_TABLE}(rowid, {COLUMNS}) "  # noqa: S608
        f"SELECT {_values(ASSET_TABLE)} FROM {ASSET_TABLE}"
    )


def ensure_sqlite_index(connection: Any) -> bool:
    """Make the FTS table and its triggers where missing; refill the table when anything
    was missing. Returns whether it had to. Does nothing on another database."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE (type = 'trigger' AND name IN (%s, %s, %s)) "
            "OR (type = 'table' AND name = %s)",
            [*TRIGGERS, FTS_TABLE],
        )
        present = {row[0] for row in cursor.fetchall()}
        if present >= {*TRIGGERS, FTS_TABLE}:
            return False
        for statement in sqlite_statements():
            cursor.execute(statement)
        refill_sqlite(cursor)
    return True


def drop_sqlite_index(connection: Any) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for trigger in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def postgres_index():  # django.contrib.postgres is imported on PostgreSQL only
    from django.contrib.postgres.indexes import GinIndex

    from midas.catalog.search import search_vector

    return GinIndex(search_vector(), name=GIN_INDEX)
