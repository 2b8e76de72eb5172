"""The database-error classifier against real errors from SQLite and PostgreSQL: a lock not
had in time, a unique clash, the reservations' exclusion constraint."""

from __future__ import annotations

import datetime as dt
import sqlite3

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from midas.bookings.models import Reservation, ReservationKind
from midas.bookings.services.slots import NO_OVERLAP
from midas.core import db_errors
from tests.factories import make_asset

START = dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)


def test_sqlite_busy_is_a_lock_timeout_and_a_unique_clash_names_its_column(tmp_path):
    path = tmp_path / "t.sqlite3"
    first = sqlite3.connect(path, timeout=0, isolation_level=None)
    first.execute("CREATE TABLE booking (id INTEGER PRIMARY KEY, reference TEXT UNIQUE)")
    first.execute("INSERT INTO booking (reference) VALUES ('ABC')")
    with pytest.raises(sqlite3.IntegrityError) as clash:
        first.execute("INSERT INTO booking (reference) VALUES ('ABC')")
    assert db_errors.violates_unique(clash.value, "booking", "reference")
    assert not db_errors.violates_unique(clash.value, "booking", "id")
    assert not db_errors.is_lock_timeout(clash.value)

    first.execute("BEGIN IMMEDIATE")
    second = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as busy:
        second.execute("BEGIN IMMEDIATE")
    assert db_errors.is_lock_timeout(busy.value)
    assert db_errors.violation(busy.value) is None
    first.execute("ROLLBACK")
    first.close()
    second.close()


def test_an_error_that_is_neither_is_classified_as_neither():
    error = ValueError("database is locked; lock timeout; reservation_no_overlap")
    assert not db_errors.is_lock_timeout(error)
    assert db_errors.violation(error) is None


@pytest.mark.django_db
def test_a_duplicate_reference_through_django_on_either_database():
    asset = make_asset()
    fields = {"asset": asset, "kind": ReservationKind.MAINTENANCE, "reference": "R-DUP"}
    end = START + dt.timedelta(hours=1)
    Reservation.objects.create(start=START, end=end, occupied_until=end, **fields)
    later, later_end = START + dt.timedelta(days=5), START + dt.timedelta(days=6)
    with pytest.raises(IntegrityError) as clash, transaction.atomic():
        Reservation.objects.create(start=later, end=later_end, occupied_until=later_end, **fields)
    table = Reservation._meta.db_table
    assert db_errors.violates_unique(clash.value, table, "reference")
    assert not db_errors.violates_exclusion(clash.value, NO_OVERLAP)


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_exclusion_constraint_by_name():
    asset = make_asset()
    end = START + dt.timedelta(days=1)
    Reservation.objects.create(
        asset=asset,
        kind=ReservationKind.MAINTENANCE,
        start=START,
        end=end,
        occupied_until=end,
        reference="R-1",
    )
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        Reservation.objects.create(
            asset=asset,
            kind=ReservationKind.MAINTENANCE,
            start=START,
            end=end,
            occupied_until=end,
            reference="R-2",
        )
    assert db_errors.sqlstate(refused.value) == db_errors.EXCLUSION_VIOLATION
    assert db_errors.violates_exclusion(refused.value, NO_OVERLAP)
    assert not db_errors.violates_unique(refused.value, Reservation._meta.db_table, "reference")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_lock_timeout_by_sqlstate():
    asset = make_asset()
    params = connection.get_connection_params()
    with transaction.atomic():
        list(type(asset).objects.select_for_update().filter(pk=asset.pk))
        with psycopg.connect(**params) as other, other.cursor() as cursor:
            cursor.execute("SET lock_timeout = '50ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable) as waited:
                cursor.execute("SELECT 1 FROM catalog_asset WHERE id = %s FOR UPDATE", [asset.pk])
    assert db_errors.is_lock_timeout(waited.value)
    assert db_errors.violation(waited.value) is None
