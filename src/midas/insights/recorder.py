"""The in-process buffer of page views and beacons (the SLO recorder's pattern,
``midas.slo.recorder``).

A request appends one tuple (a row's values, in ``VIEW_COLUMNS`` order) to a list under a
lock: no model instance, no I/O, not even the visitor id: the buffer holds the (IP, user
agent) pair in memory, and the flush turns it into the day's salted hash before anything is
written (one salt read per process per day, never in a request). The buffer is written
with one ``executemany`` INSERT per table when ``INSIGHTS_FLUSH_SECONDS`` (10) have passed
or ``INSIGHTS_FLUSH_SIZE`` (500) rows wait, by the request that notices; the worker flushes
its own buffer after each rollup, and every process flushes at exit (``atexit``). A flush that
fails (database down) puts its rows back, up to ``MAX_KEPT`` (the oldest are dropped
beyond), and is retried on the next one. What a process buffered since its last flush is
lost if it is killed outright (at most ``INSIGHTS_FLUSH_SECONDS`` of views).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time

from django.conf import settings
from django.db import connection, models, transaction

from midas.core.throttle import ThrottledLog
from midas.insights.models import Engagement, PageView

logger = logging.getLogger(__name__)
FLUSH_FAILURES = ThrottledLog(logger, level=logging.WARNING)
MAX_KEPT = 50_000  # rows kept in memory while the database is away


def columns(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


VIEW_COLUMNS = tuple(f.attname for f in columns(PageView))
ENGAGEMENT_COLUMNS = tuple(f.attname for f in columns(Engagement))


VISITOR = 2  # the visitor column, in both tables


def identified(rows: list[tuple]) -> list[tuple]:
    """Rows whose visitor is still ``(ip, user agent)`` with it replaced by the day's id."""
    from midas.insights.identity import visitor_id

    return [
        (*row[:VISITOR], visitor_id(day=row[1], ip=row[VISITOR][0], user_agent=row[VISITOR][1]),
         *row[VISITOR + 1:])
        if isinstance(row[VISITOR], tuple)
        else row
        for row in rows
    ]  # fmt: skip


def write_rows(model: type[models.Model], rows: list[tuple]) -> None:
    """One INSERT ... executemany for ``rows`` (tuples in the model's column order), each
    value prepared by its field as the ORM would (aware datetimes on SQLite included)."""
    fields = columns(model)
    names = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - names from the model
    ops = connection.ops
    adapters = [
        ops.adapt_datetimefield_value
        if isinstance(f, models.DateTimeField)
        else ops.adapt_datefield_value
        if isinstance(f, models.DateField)
        else None
        for f in fields
    ]
    prepared = [
        tuple(v if a is None else a(v) for a, v in zip(adapters, row, strict=True)) for row in rows
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, prepared)


def auto_flush() -> bool:
    """``INSIGHTS_AUTO_FLUSH`` decides; unset, yes except under Django's test environment."""
    chosen = settings.INSIGHTS_AUTO_FLUSH
    if chosen is not None:
        return bool(chosen)
    from django.test.utils import _TestState

    return not hasattr(_TestState, "saved_data")


class ViewRecorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._views: list[tuple] = []
        self._engagements: list[tuple] = []
        self._last_flush = time.monotonic()

    def add_view(self, view: tuple) -> None:
        with self._lock:
            self._views.append(view)

    def add_engagement(self, engagement: tuple) -> None:
        with self._lock:
            self._engagements.append(engagement)

    def pending(self) -> int:
        with self._lock:
            return len(self._views) + len(self._engagements)

    def flush_due(self) -> bool:
        if not auto_flush():
            return False
        if len(self._views) + len(self._engagements) >= settings.INSIGHTS_FLUSH_SIZE:
            return True
        return time.monotonic() - self._last_flush >= settings.INSIGHTS_FLUSH_SECONDS

    def maybe_flush(self) -> int:
        if not self.flush_due() or not self._flush_lock.acquire(blocking=False):
            return 0
        try:
            return self._flush()
        finally:
            self._flush_lock.release()

    def flush(self) -> int:
        """Write the buffer now; return the number of rows written."""
        with self._flush_lock:
            return self._flush()

    def clear(self) -> None:
        with self._lock:
            self._views, self._engagements = [], []

    def _flush(self) -> int:
        self._last_flush = time.monotonic()
        with self._lock:
            views, self._views = self._views, []
            engagements, self._engagements = self._engagements, []
        if not views and not engagements:
            return 0
        try:
            if views:
                write_rows(PageView, identified(views))
            if engagements:
                write_rows(Engagement, identified(engagements))
        except Exception as exc:  # the database is away: keep the rows for the next flush
            FLUSH_FAILURES.error(
                "flush", f"could not write {len(views) + len(engagements)} page view(s)", exc=exc
            )
            with self._lock:
                self._views = (views + self._views)[-MAX_KEPT:]
                self._engagements = (engagements + self._engagements)[-MAX_KEPT:]
            return 0
        return len(views) + len(engagements)


RECORDER = ViewRecorder()


def _flush_at_exit() -> None:
    import sys

    if "pytest" in sys.modules:  # the test database is gone; never write to the real one
        return
    try:
        RECORDER.flush()
    except Exception:
        logger.warning("could not flush page views at exit")


atexit.register(_flush_at_exit)
