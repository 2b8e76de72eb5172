"""Jobs that must run while the database is down (the worker's outage mode).

The scheduler lives in the database (``schedule.py``), so when the database is away no
periodic job is due — yet that is exactly when the probes must keep looking, or an outage
leaves no trace. A job registered here is called by the worker, with the time, at most
once per ``every`` for as long as its loop fails because the database cannot be reached::

    @during_outage(every=timedelta(minutes=1), name="slo_probe")
    def probe(now: datetime) -> None: ...

Such a job must not need the database (it may try it, and must cope with the error).
Register it in the app's ``tasks.py``, beside its periodic jobs.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutageJob:
    name: str
    every: dt.timedelta
    run: Callable[[dt.datetime], Any]


OUTAGE_JOBS: dict[str, OutageJob] = {}


def during_outage(*, every: dt.timedelta, name: str) -> Callable[[Callable], Callable]:
    def register(function: Callable[[dt.datetime], Any]) -> Callable[[dt.datetime], Any]:
        OUTAGE_JOBS[name] = OutageJob(name=name, every=every, run=function)
        return function

    return register


class OutageRunner:
    """Runs the outage jobs that are due; one per worker."""

    def __init__(
        self,
        jobs: dict[str, OutageJob] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jobs = OUTAGE_JOBS if jobs is None else jobs
        self.clock = clock
        self._last: dict[str, float] = {}
        self.since: dt.datetime | None = None  # when this outage was first seen

    def tick(self, now: dt.datetime | None = None) -> list[str]:
        """Run each job whose period has passed; returns the names run."""
        now = now or timezone.now()
        if self.since is None:
            self.since = now
        ran = []
        for name, job in self.jobs.items():
            last = self._last.get(name)
            if last is not None and self.clock() - last < job.every.total_seconds():
                continue
            self._last[name] = self.clock()
            try:
                job.run(now)
            except Exception:  # one job failing must not stop the others
                logger.exception("outage job %s failed", name)
            ran.append(name)
        return ran

    def over(self) -> dt.datetime | None:
        """The database answers again: forget the outage; returns when it was first seen."""
        since, self.since = self.since, None
        self._last.clear()
        return since
