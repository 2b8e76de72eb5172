"""The in-process buffer behind the SLO middleware.

Each request adds to a per-minute aggregate held in memory (a dict and a lock: no I/O).
At most every ``SLO_FLUSH_SECONDS`` (default 5) the buffer is written to ``RequestMinute``:
one row per (minute, process), grown with ``F()`` increments, so N requests cost one
UPDATE (or one INSERT the first time a process sees a minute), never a write per request.
A flush that fails (database down) puts its figures back and is retried on the next one.
What a process buffered since its last flush is lost when it stops (at most
``SLO_FLUSH_SECONDS`` of figures); the probe job flushes the worker's buffer after each run.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from midas.core.throttle import ThrottledLog
from midas.slo.models import BUCKET_BOUNDS_MS, BUCKET_FIELDS, RequestMinute

logger = logging.getLogger(__name__)
# every SLO_FLUSH_SECONDS while the database is down: one line a minute says so
FLUSH_FAILURES = ThrottledLog(logger, level=logging.WARNING)


@dataclass
class MinuteTotals:
    count: int = 0
    errors: int = 0
    duration_ms_sum: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKET_FIELDS))

    def add(self, other: MinuteTotals) -> None:
        self.count += other.count
        self.errors += other.errors
        self.duration_ms_sum += other.duration_ms_sum
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]


def auto_flush() -> bool:
    """Flush from the request path? ``SLO_AUTO_FLUSH`` decides; unset, yes except under
    Django's test environment, where a flush landing inside a test's counted queries
    would make query-count assertions flaky (tests flush explicitly)."""
    chosen = settings.SLO_AUTO_FLUSH
    if chosen is not None:
        return bool(chosen)
    from django.test.utils import _TestState

    return not hasattr(_TestState, "saved_data")


def bucket_index(duration_ms: float) -> int:
    """Index of the histogram bucket holding ``duration_ms`` (upper bounds inclusive)."""
    return bisect.bisect_left(BUCKET_BOUNDS_MS, duration_ms)


def minute_of(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(second=0, microsecond=0)


def process_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


class MinuteRecorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._pending: dict[dt.datetime, MinuteTotals] = {}
        self._last_flush = time.monotonic()

    def record(self, *, at: dt.datetime, duration_ms: float, status: int) -> None:
        minute = minute_of(at)
        with self._lock:
            totals = self._pending.get(minute)
            if totals is None:
                totals = self._pending[minute] = MinuteTotals()
            totals.count += 1
            totals.errors += status >= 500
            totals.duration_ms_sum += duration_ms
            totals.buckets[bucket_index(duration_ms)] += 1

    def pending(self) -> dict[dt.datetime, MinuteTotals]:
        with self._lock:
            return dict(self._pending)

    def flush_due(self) -> bool:
        if not auto_flush():
            return False
        interval = settings.SLO_FLUSH_SECONDS
        return time.monotonic() - self._last_flush >= interval

    def maybe_flush(self) -> int:
        if not self.flush_due() or not self._flush_lock.acquire(blocking=False):
            return 0
        try:
            return self._flush()
        finally:
            self._flush_lock.release()

    def flush(self) -> int:
        """Write the buffer now; return the number of minute rows touched."""
        with self._flush_lock:
            return self._flush()

    def _flush(self) -> int:
        self._last_flush = time.monotonic()
        with self._lock:
            taken, self._pending = self._pending, {}
        if not taken:
            return 0
        process = process_name()
        try:
            for minute, totals in sorted(taken.items()):
                write_minute(minute, process, totals)
        except Exception as exc:  # the database is away: keep the figures for the next flush
            FLUSH_FAILURES.error(
                "flush", f"could not flush {len(taken)} SLO minute(s); kept for later", exc=exc
            )
            with self._lock:
                for minute, totals in taken.items():
                    self._pending.setdefault(minute, MinuteTotals()).add(totals)
            return 0
        return len(taken)


def write_minute(minute: dt.datetime, process: str, totals: MinuteTotals) -> None:
    increments = {
        "count": F("count") + totals.count,
        "errors": F("errors") + totals.errors,
        "duration_ms_sum": F("duration_ms_sum") + totals.duration_ms_sum,
        **{name: F(name) + n for name, n in zip(BUCKET_FIELDS, totals.buckets, strict=True) if n},
    }
    rows = RequestMinute.objects.filter(minute=minute, process=process)
    if rows.update(**increments):
        return
    values = {
        "count": totals.count,
        "errors": totals.errors,
        "duration_ms_sum": totals.duration_ms_sum,
        **dict(zip(BUCKET_FIELDS, totals.buckets, strict=True)),
    }
    try:
        with transaction.atomic():
            RequestMinute.objects.create(minute=minute, process=process, **values)
    except IntegrityError:  # another thread of this process created it meanwhile
        rows.update(**increments)


RECORDER = MinuteRecorder()
