"""``core.hot_reads.fetch_all``: a hot read on the driver's own cursor, the same rows and
the same Django errors as through Django's cursor, and Django's cursor whenever queries are
logged, wrapped or inside a transaction. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from midas.catalog.models import CatalogVersion
from midas.catalog.services import calendar_version_bump, catalog_version_bump
from midas.core.hot_reads import fetch_all

pytestmark = pytest.mark.django_db(transaction=True)

SQL = f"SELECT id, value FROM {CatalogVersion._meta.db_table} WHERE id IN (%s, %s) ORDER BY id"  # noqa: S608
PARAMS = [CatalogVersion.ROW, CatalogVersion.CALENDAR_ROW]


def through_django() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(SQL, PARAMS)
        return list(cursor.fetchall())


def refuse_djangos_cursor(monkeypatch) -> None:
    """From now on Django's cursor refuses to be used: what answers came from the driver's."""
    connection.ensure_connection()

    def refused(*args, **kwargs):
        raise AssertionError("Django's cursor was used")

    monkeypatch.setattr(connection, "cursor", refused)


def test_the_driver_answers_what_django_would(monkeypatch):
    catalog_version_bump()
    calendar_version_bump()
    calendar_version_bump()
    expected = through_django()
    assert expected == [(CatalogVersion.ROW, 1), (CatalogVersion.CALENDAR_ROW, 2)]
    refuse_djangos_cursor(monkeypatch)
    assert fetch_all(connection, SQL, PARAMS) == expected


def test_a_driver_error_comes_out_as_djangos(monkeypatch):
    refuse_djangos_cursor(monkeypatch)
    with pytest.raises(DatabaseError) as raised:
        fetch_all(connection, "SELECT value FROM no_such_table WHERE id = %s", [1])
    assert type(raised.value).__module__ == "django.db.utils"
    cause = raised.value.__cause__
    assert cause is not None and type(cause).__module__.split(".")[0] in {"sqlite3", "psycopg"}


def test_logged_queries_go_through_djangos_cursor():
    catalog_version_bump()
    with CaptureQueriesContext(connection) as captured:
        rows = fetch_all(connection, SQL, PARAMS)
    assert rows == [(CatalogVersion.ROW, 1)]
    assert len(captured.captured_queries) == 1  # a test counting queries still sees it


def test_wrapped_and_transactional_reads_go_through_djangos_cursor(monkeypatch):
    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        fetch_all(connection, SQL, PARAMS)
    assert len(seen) == 1
    opened: list[bool] = []
    cursor = connection.cursor
    monkeypatch.setattr(connection, "cursor", lambda: opened.append(True) or cursor())
    with transaction.atomic():
        catalog_version_bump()
        opened.clear()
        assert fetch_all(connection, SQL, PARAMS) == [(CatalogVersion.ROW, 1)]
    assert opened == [True]  # in a transaction: Django's cursor, not the driver's
