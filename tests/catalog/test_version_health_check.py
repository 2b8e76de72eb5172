"""On PostgreSQL the catalogue versions' read is the connection's health check: a page-cache
hit costs one round trip, not Django's ``SELECT 1`` and then the read, and a connection the
server dropped is replaced as Django's check would (``catalog.selectors.checked_first``)."""

from __future__ import annotations

import psycopg
import pytest
from django.core.signals import request_started
from django.db import connection

from midas.catalog.selectors import catalog_version, page_versions
from midas.catalog.services import calendar_version_bump, catalog_version_bump

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def a_new_request() -> None:
    """What Django does as a request starts: a kept connection is to be checked again."""
    request_started.send(sender=None)


def test_the_read_is_the_check_one_round_trip(monkeypatch):
    catalog_version_bump()
    calendar_version_bump()
    page_versions()  # the connection is open and kept
    assert connection.health_check_enabled
    checks: list[bool] = []
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(True) or True)
    a_new_request()
    assert not connection.health_check_done
    assert page_versions() == (1, 1)
    assert checks == []  # no SELECT 1 before it
    assert connection.health_check_done  # nor before the request's next queries
    a_new_request()
    assert catalog_version() == 1 and checks == []


def test_a_connection_the_server_dropped_is_replaced():
    catalog_version_bump()
    assert page_versions() == (1, 0)
    pid = connection.connection.info.backend_pid
    database = connection.settings_dict
    with psycopg.connect(
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        user=database["USER"],
        dbname=database["NAME"],
        password=database["PASSWORD"] or None,
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    a_new_request()
    assert page_versions() == (1, 0)  # answered on a new connection
    assert connection.connection.info.backend_pid != pid
