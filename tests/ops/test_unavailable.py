"""The database unreachable: customers get a branded 503 with Retry-After, the API a 503
``service_unavailable``, the log one line per minute instead of a traceback per request,
and the SLO counts the answers as errors. (tests/faults/ stops a real PostgreSQL; here the
connection is made to fail the way psycopg fails when the server is gone.)"""

from __future__ import annotations

import logging
import sqlite3

import psycopg
import pytest
from django.db import DatabaseError, InterfaceError, OperationalError, connection

from midas.core.db_errors import is_unavailable
from midas.core.throttle import ThrottledLog
from midas.slo.recorder import RECORDER
from tests.outages import refused

pytestmark = pytest.mark.django_db


class TestClassifier:
    def test_refused_connection_is_unavailable(self):
        assert is_unavailable(refused())

    def test_server_shutting_down_is_unavailable(self):
        class AdminShutdown(psycopg.OperationalError):
            sqlstate = "57P01"

        try:
            raise OperationalError("terminating connection") from AdminShutdown("bye")
        except OperationalError as exc:
            assert is_unavailable(exc)

    def test_lost_connection_interface_error(self):
        try:
            raise InterfaceError("connection already closed") from psycopg.InterfaceError("x")
        except InterfaceError as exc:
            assert is_unavailable(exc)

    def test_a_refused_query_is_not(self):
        class LockTimeout(psycopg.OperationalError):
            sqlstate = "55P03"

        try:
            raise OperationalError("lock timeout") from LockTimeout("x")
        except OperationalError as exc:
            assert not is_unavailable(exc)
        assert not is_unavailable(DatabaseError("x"))
        assert not is_unavailable(ValueError("x"))

    def test_sqlite_busy_is_not_but_unopenable_is(self, tmp_path):
        db = sqlite3.connect(tmp_path / "a.sqlite3")
        db.execute("create table t (x)")
        db.execute("begin exclusive")
        other = sqlite3.connect(tmp_path / "a.sqlite3", timeout=0)
        with pytest.raises(sqlite3.OperationalError) as busy:
            other.execute("insert into t values (1)")
        try:
            raise OperationalError(*busy.value.args) from busy.value
        except OperationalError as exc:
            assert not is_unavailable(exc)
        with pytest.raises(sqlite3.OperationalError) as cannot:
            sqlite3.connect(tmp_path / "missing" / "b.sqlite3")
        try:
            raise OperationalError(*cannot.value.args) from cannot.value
        except OperationalError as exc:
            assert is_unavailable(exc)


class TestAnswers:
    def test_customer_page_is_a_branded_503_with_retry_after(self, client, database_down, settings):
        settings.PAGE_CACHE_SECONDS = 0
        response = client.get("/collection/cars/")
        assert response.status_code == 503
        assert response["Retry-After"] == str(settings.UNAVAILABLE_RETRY_AFTER)
        assert response["Cache-Control"] == "no-store"
        assert "X-Maintenance" not in response
        body = response.content.decode()
        assert "Briefly unavailable" in body and "Midas" in body
        assert "Traceback" not in body

    def test_api_answers_service_unavailable(self, client, database_down, settings):
        response = client.get("/api/v1/assets")
        assert response.status_code == 503
        assert response.json()["code"] == "service_unavailable"
        assert response["Retry-After"] == str(settings.UNAVAILABLE_RETRY_AFTER)

    def test_one_log_line_per_minute_not_a_traceback_each(self, client, database_down, caplog):
        caplog.set_level(logging.INFO)
        for _ in range(20):
            assert client.get("/api/v1/assets").status_code == 503
            assert client.get("/collection/cars/").status_code == 503
        unavailable = [r for r in caplog.records if r.name == "midas.unavailable"]
        assert len(unavailable) == 1
        assert unavailable[0].exc_info is not None  # the first one says why, in full
        django_request = [r for r in caplog.records if r.name == "django.request"]
        assert all(r.exc_info is None for r in django_request)

    def test_counted_as_errors_by_the_slo(self, client, database_down, settings):
        settings.PAGE_CACHE_SECONDS = 0
        before = sum(t.errors for t in RECORDER.pending().values())
        client.get("/collection/cars/")
        client.get("/api/v1/assets")
        after = sum(t.errors for t in RECORDER.pending().values())
        assert after - before == 2

    def test_other_crashes_stay_a_500(self, client, monkeypatch, settings):
        settings.PAGE_CACHE_SECONDS = 0
        client.raise_request_exception = False

        def boom(*args, **kwargs):
            raise RuntimeError("a bug")

        monkeypatch.setattr(connection, "cursor", boom)
        response = client.get("/api/v1/assets")
        page = client.get("/collection/cars/")
        monkeypatch.undo()
        assert response.status_code == 500
        assert response.json()["code"] == "internal_error"
        assert page.status_code == 500 and "Retry-After" not in page


class TestThrottledLog:
    def test_counts_what_it_held_back(self, caplog):
        now = [0.0]
        log = ThrottledLog(logging.getLogger("t.throttle"), interval=60, clock=lambda: now[0])
        with caplog.at_level(logging.ERROR, logger="t.throttle"):
            assert log.error("db", "down")
            assert not log.error("db", "down")
            assert not log.error("db", "down")
            assert log.error("cache", "down")  # another kind has its own line
            now[0] = 61
            assert log.error("db", "down")
        messages = [r.getMessage() for r in caplog.records]
        assert messages == ["down", "down", "down (2 more in the last 60 s)"]


def test_a_throttled_line_says_its_kind_and_count_in_json():
    import json

    from midas.ops.logs.formatters import JsonFormatter

    record = logging.LogRecord("midas.unavailable", logging.ERROR, __file__, 1, "down", (), None)
    record.failure_kind, record.suppressed = "database", 41
    line = json.loads(JsonFormatter(release="r1").format(record))
    assert (line["failure_kind"], line["suppressed"], line["release"]) == ("database", 41, "r1")
