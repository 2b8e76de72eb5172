"""Analytics jobs (django-tasks, scheduled by ``midas.jobs``).

- ``insights_rollup`` (every 10 minutes): flush the worker's buffer,
  rebuild today's and yesterday's day rollups, and any day of the week before left without
  one (the worker was away);
- ``insights_retention`` (daily): delete raw rows older than ``INSIGHTS_RETENTION_DAYS``.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from midas.jobs.schedule import periodic

ROLLUP_EVERY = dt.timedelta(minutes=10)  # how stale today's figures may be
CATCH_UP = dt.timedelta(days=7)


@periodic(every=ROLLUP_EVERY, name="insights_rollup")
@task()
def insights_rollup() -> int:
    from midas.insights.services import rollup_missing, rollup_recent, utc_today

    sessions = rollup_recent()
    rollup_missing(since=utc_today() - CATCH_UP)  # days the worker was away
    return sessions


@periodic(every=dt.timedelta(hours=24), name="insights_retention")
@task()
def insights_retention() -> int:
    from midas.insights.services import insights_prune

    return insights_prune()
